"""POST /webhooks/vk/<channel>: the VK Callback API of a community.

VK posts JSON `{type, object, group_id, event_id, v, secret}` and wants the plain text `ok` back
(anything else and it retries), except for `confirmation`, answered with the community's
confirmation string. The `secret` is checked before anything is done, then the event's `group_id`
against the community the channel was registered for (`--group-id`): an event of another community
is answered `ok` (so VK does not retry it) and nothing is stored; a confirmation request from
another community is refused with 403, so this address cannot be confirmed for it. Comments,
posts, messages, board posts and photo comments become appeals (regime: incident), unless a comment
or message continues one of its author's appeals in the same thread or dialog: then it attaches to
that appeal (engine.services.follow_ups). Comment edits and deletions are recorded beside the stored
appeal; the community's own posts and replies are not appeals.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from flask import Blueprint, Response, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from engine.domain.appeal import Author, IncomingAppeal
from engine.domain.vocabulary import MAX_TEXT
from engine.services import credentials
from engine.services.channel_events import ChannelEvent, event_handled, record_channel_event, revise_appeal
from engine.services.follow_ups import receive_message
from engine.services.watching import monitored_appeal

from ..errors import ApiError
from ..runtime import runtime
from .receiving import channel_of_kind, from_unix, json_object, with_current_credentials
from .threads import vk_comment_thread, vk_message_thread

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)
bp = Blueprint("vk", __name__, url_prefix="/webhooks/vk")

APPEAL_TYPES = ("wall_reply_new", "wall_post_new", "message_new", "board_post_new", "photo_comment_new")
REVISION_TYPES = ("wall_reply_edit", "wall_reply_delete")


class VkEventSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, validate=validate.Length(min=1, max=64))
    object = fields.Dict(load_default=dict)
    group_id = fields.Integer(load_default=None, allow_none=True)
    event_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    v = fields.String(load_default=None, allow_none=True)


class VkItemSchema(Schema):
    """The fields of a comment, post, message or board post that an appeal needs."""

    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True)
    from_id = fields.Integer(load_default=None, allow_none=True)
    owner_id = fields.Integer(load_default=None, allow_none=True)
    post_id = fields.Integer(load_default=None, allow_none=True)
    peer_id = fields.Integer(load_default=None, allow_none=True)
    conversation_message_id = fields.Integer(load_default=None, allow_none=True)
    topic_id = fields.Integer(load_default=None, allow_none=True)
    topic_owner_id = fields.Integer(load_default=None, allow_none=True)
    photo_id = fields.Integer(load_default=None, allow_none=True)
    photo_owner_id = fields.Integer(load_default=None, allow_none=True)
    date = fields.Integer(load_default=None, allow_none=True)
    text = fields.String(load_default="", validate=validate.Length(max=MAX_TEXT))
    attachments = fields.List(fields.Dict(), load_default=list, validate=validate.Length(max=50))
    # where a comment or message sits in its conversation (webhooks/channels/threads.py)
    reply_to_comment = fields.Integer(load_default=None, allow_none=True)
    reply_to_user = fields.Integer(load_default=None, allow_none=True)
    parents_stack = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=100))
    reply_message = fields.Dict(load_default=None, allow_none=True)
    fwd_messages = fields.List(fields.Dict(), load_default=list, validate=validate.Length(max=100))


class VkDeletionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True)
    owner_id = fields.Integer(required=True)
    post_id = fields.Integer(load_default=None, allow_none=True)
    deleter_id = fields.Integer(load_default=None, allow_none=True)


def ok() -> Response:
    return Response("ok", mimetype="text/plain")


# built once: a schema copies its fields for every instance
_EVENT, _ITEM, _DELETION = VkEventSchema(), VkItemSchema(), VkDeletionSchema()


@bp.post("/<channel>")
def receive(channel: str):
    rt = runtime()
    now = rt.now()
    record = channel_of_kind(channel, "vk", "VK")
    raw = request.get_data(cache=True)  # 413 here when over the limit
    text, payload = json_object(raw)
    def secret_given(channel_row) -> None:
        if not credentials.secret_matches(channel_row, payload.get("secret"), now):
            raise ApiError(403, "bad_secret", "the secret does not match the channel's")

    try:
        record = with_current_credentials(record, secret_given)
    except ApiError:
        log.warning("channel %s: VK event with a missing or wrong secret", channel)
        raise
    event = _EVENT.load(payload)  # 422 via errors.py
    if not _our_group(record, event):
        log.warning("channel %s: VK %s event of group %s, not the channel's group %s; ignored", channel,
                    event["type"], event["group_id"], record.group_id)
        if event["type"] == "confirmation":  # never confirm this address for another community
            raise ApiError(403, "wrong_group", f"channel {channel!r} serves another VK community")
        return ok()  # VK stops retrying; nothing is stored
    if event["type"] == "confirmation":
        if not record.confirmation:
            raise ApiError(409, "no_confirmation", f"channel {channel!r} has no confirmation string configured")
        return Response(record.confirmation, mimetype="text/plain")
    key = ChannelEvent(event["event_id"] or "sha256:" + hashlib.sha256(raw).hexdigest(), event["type"])
    if event_handled(channel, key):
        return ok()
    if event["type"] in APPEAL_TYPES:
        _appeal(rt, channel, event, key, text, now)
    elif event["type"] in REVISION_TYPES:
        _revision(rt, channel, event, key)
    else:
        log.info("channel %s: VK event %s acknowledged, not an appeal", channel, event["type"])
        record_channel_event(rt, channel, key)
    return ok()


def _our_group(record, event: dict) -> bool:
    """The event's community is the channel's; a channel registered without a group id accepts any."""
    return record.group_id is None or event["group_id"] == record.group_id


def _appeal(rt: Runtime, channel: str, event: dict, key: ChannelEvent, raw_text: str, now) -> None:
    obj = event["object"]
    if event["type"] == "message_new" and isinstance(obj.get("message"), dict):
        obj = obj["message"]  # API 5.103 and later wrap the message
    item = _ITEM.load(obj)
    _require(item, REQUIRED[event["type"]])
    own = event["group_id"] is not None and item["from_id"] == -abs(event["group_id"])
    attachments = tuple(filter(None, (_attachment_url(a) for a in item["attachments"])))
    if own or not (item["text"].strip() or attachments):
        log.info("channel %s: VK %s %s is the community's own or empty; not an appeal", channel, event["type"],
                 item["id"])
        record_channel_event(rt, channel, key)
        return
    external_id, link = _where(event["type"], item, event["group_id"])
    if event["type"] in ("wall_reply_new", "wall_post_new") and monitored_appeal(external_id) is not None:
        log.info("channel %s: VK %s %s was read from the watched wall before; not a second appeal", channel,
                 event["type"], item["id"])
        record_channel_event(rt, channel, key)
        return
    incoming = IncomingAppeal(
        channel=channel,
        external_id=external_id,
        text=item["text"],
        received_at=from_unix(item["date"], now),
        author=Author(type="citizen", contact=f"https://vk.com/id{item['from_id']}" if item["from_id"] else None),
        author_id=f"vk:{item['from_id']}" if item["from_id"] is not None else None,
        regime="incident",
        attachments=attachments,
        link=link,
    )
    receive_message(rt, incoming, raw_text, event=key, thread=_thread(event["type"], item))


def _thread(kind: str, item: dict):
    """Where a comment or a message sits, for a follow-up to find its appeal; None for other events."""
    if kind == "wall_reply_new":
        return vk_comment_thread(item)
    if kind == "message_new" and item["peer_id"] is not None:
        return vk_message_thread(item)
    return None


REQUIRED = {
    "wall_reply_new": ("owner_id", "post_id", "from_id"),
    "wall_post_new": ("owner_id",),
    "message_new": ("from_id",),
    "board_post_new": ("topic_owner_id", "topic_id", "from_id"),
    "photo_comment_new": ("photo_owner_id", "photo_id", "from_id"),
    "wall_reply_edit": ("owner_id",),
}


def _require(item: dict, names) -> None:
    missing = {name: ["Missing data for required field."] for name in names if item.get(name) is None}
    if missing:
        raise ValidationError({"object": missing})


def _revision(rt: Runtime, channel: str, event: dict, key: ChannelEvent) -> None:
    if event["type"] == "wall_reply_edit":
        item = _ITEM.load(event["object"])
        _require(item, REQUIRED["wall_reply_edit"])
        revise_appeal(rt, channel, f"reply{item['owner_id']}_{item['id']}", "edited", text=item["text"],
                     details={"from_id": item["from_id"], "date": item["date"]}, event=key)
    else:
        item = _DELETION.load(event["object"])
        revise_appeal(rt, channel, f"reply{item['owner_id']}_{item['id']}", "deleted", text=None,
                     details={"deleter_id": item["deleter_id"]}, event=key)


def _where(kind: str, item: dict, group_id: int | None) -> tuple[str, str | None]:
    """The appeal's external id (stable across edits and deletions) and a link back to it."""
    i = item["id"]
    if kind == "wall_reply_new":
        owner, post = item["owner_id"], item["post_id"]
        return f"reply{owner}_{i}", f"https://vk.com/wall{owner}_{post}?reply={i}"
    if kind == "wall_post_new":
        return f"wall{item['owner_id']}_{i}", f"https://vk.com/wall{item['owner_id']}_{i}"
    if kind == "message_new":
        peer, cmid = item["peer_id"], item["conversation_message_id"]
        link = f"https://vk.com/gim{abs(group_id)}?sel={peer}" if group_id and peer else None
        return (f"msg{peer}_{cmid}" if peer and cmid else f"msg{i}"), link
    if kind == "board_post_new":
        owner, topic = item["topic_owner_id"], item["topic_id"]
        return f"topic{owner}_{topic}_{i}", f"https://vk.com/topic{owner}_{topic}?post={i}"
    owner, photo = item["photo_owner_id"], item["photo_id"]
    return f"photo_comment{owner}_{i}", f"https://vk.com/photo{owner}_{photo}"


def _attachment_url(attachment: dict) -> str | None:
    kind = attachment.get("type")
    body = attachment.get(kind) if isinstance(kind, str) else None
    if not isinstance(body, dict):
        return None
    if kind == "photo" and isinstance(body.get("sizes"), list):
        sized = [s for s in body["sizes"] if isinstance(s, dict) and isinstance(s.get("url"), str)]
        if sized:
            return max(sized, key=lambda s: (s.get("width") or 0) * (s.get("height") or 0))["url"]
    if kind in ("doc", "link") and isinstance(body.get("url"), str) and body["url"].startswith("http"):
        return body["url"]
    if isinstance(body.get("owner_id"), int) and isinstance(body.get("id"), int):
        return f"https://vk.com/{kind}{body['owner_id']}_{body['id']}"
    return None
