"""POST /webhooks/telegram/<channel>: a Telegram bot's webhook (Bot API `Update` objects).

The header X-Telegram-Bot-Api-Secret-Token carries the secret given to setWebhook and is checked
first. Telegram retries every non-2xx answer, so a valid update is always answered 200, even
when it carries no appeal (a sticker, a bot command, a repeated update_id). `message` and
`channel_post` become appeals, unless a message continues one of its author's appeals in the same
chat: then it attaches to that appeal (engine.services.follow_ups); `edited_message` and
`edited_channel_post` are recorded beside the stored appeal, whose original text is kept.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from flask import Blueprint, jsonify, request
from marshmallow import EXCLUDE, Schema, fields, validate

from engine.domain.appeal import Author, IncomingAppeal
from engine.domain.vocabulary import MAX_TEXT
from engine.services import credentials
from engine.services.channel_events import ChannelEvent, event_handled, record_channel_event, revise_appeal
from engine.services.follow_ups import receive_message

from ..errors import ApiError
from ..runtime import runtime
from .receiving import channel_of_kind, from_unix, json_object, with_current_credentials
from .threads import telegram_thread

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)
bp = Blueprint("telegram", __name__, url_prefix="/webhooks/telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
NEW = ("message", "channel_post")
EDITED = ("edited_message", "edited_channel_post")
_COMMAND = re.compile(r"^/\w+(@\w+)?$")


class TelegramUserSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True)
    is_bot = fields.Boolean(load_default=False)
    first_name = fields.String(load_default="", validate=validate.Length(max=300))
    last_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    username = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class TelegramChatSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True)
    type = fields.String(load_default="private")
    username = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class TelegramLocationSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    latitude = fields.Float(required=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(required=True, validate=validate.Range(-180, 180))


class TelegramRepliedSchema(Schema):
    """The message a message answers (``reply_to_message``); Telegram nests no further replies in it."""

    class Meta:
        unknown = EXCLUDE

    message_id = fields.Integer(required=True)
    from_ = fields.Nested(TelegramUserSchema, data_key="from", load_default=None, allow_none=True)


class TelegramMessageSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    message_id = fields.Integer(required=True)
    date = fields.Integer(required=True)
    chat = fields.Nested(TelegramChatSchema, required=True)
    from_ = fields.Nested(TelegramUserSchema, data_key="from", load_default=None, allow_none=True)
    sender_chat = fields.Nested(TelegramChatSchema, load_default=None, allow_none=True)
    text = fields.String(load_default=None, allow_none=True)
    caption = fields.String(load_default=None, allow_none=True)
    photo = fields.List(fields.Dict(), load_default=list)
    document = fields.Dict(load_default=None, allow_none=True)
    location = fields.Nested(TelegramLocationSchema, load_default=None, allow_none=True)
    reply_to_message = fields.Nested(TelegramRepliedSchema, load_default=None, allow_none=True)


class TelegramUpdateSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    update_id = fields.Integer(required=True, validate=validate.Range(min=0))
    message = fields.Nested(TelegramMessageSchema, load_default=None, allow_none=True)
    edited_message = fields.Nested(TelegramMessageSchema, load_default=None, allow_none=True)
    channel_post = fields.Nested(TelegramMessageSchema, load_default=None, allow_none=True)
    edited_channel_post = fields.Nested(TelegramMessageSchema, load_default=None, allow_none=True)


def done():
    return jsonify({"ok": True}), 200


_UPDATE = TelegramUpdateSchema()  # built once: a schema copies its fields for every instance


@bp.post("/<channel>")
def receive(channel: str):
    rt = runtime()
    now = rt.now()
    record = channel_of_kind(channel, "telegram", "Telegram")
    def token_given(channel_row) -> None:
        if not credentials.secret_matches(channel_row, request.headers.get(SECRET_HEADER, ""), now):
            raise ApiError(401, "bad_secret", f"{SECRET_HEADER} does not match the channel's secret")

    try:
        record = with_current_credentials(record, token_given)
    except ApiError:
        log.warning("channel %s: Telegram update with a missing or wrong secret token", channel)
        raise
    raw = request.get_data(cache=True)  # 413 here when over the limit
    text, payload = json_object(raw)
    update = _UPDATE.load(payload)  # 422 via errors.py: not a valid update
    key = ChannelEvent(str(update["update_id"]), next((k for k in (*NEW, *EDITED) if update[k]), "other"))
    if event_handled(channel, key):
        return done()
    kind = key.type
    if kind in NEW:
        _appeal(rt, channel, update[kind], key, text, now)
    elif kind in EDITED:
        message = update[kind]
        revise_appeal(rt, channel, _external_id(message), "edited", text=_text(message),
                     details={"edit_date": payload.get(kind, {}).get("edit_date")}, event=key)
    else:
        log.info("channel %s: Telegram update %s acknowledged, not an appeal", channel, update["update_id"])
        record_channel_event(rt, channel, key)
    return done()


def _appeal(rt: Runtime, channel: str, message: dict, key: ChannelEvent, raw_text: str, now) -> None:
    body = _text(message)
    sender = message["from_"]
    if (sender and sender["is_bot"]) or not body.strip() or _COMMAND.match(body.strip()):
        log.info("channel %s: Telegram message %s has no appeal text", channel, message["message_id"])
        record_channel_event(rt, channel, key)
        return
    chat = message["chat"]
    author_chat = message["sender_chat"] or chat
    name = " ".join(filter(None, (sender["first_name"], sender["last_name"]))) if sender else None
    username = (sender or author_chat).get("username")
    location = message["location"]
    incoming = IncomingAppeal(
        channel=channel,
        external_id=_external_id(message),
        text=body[:MAX_TEXT],
        received_at=from_unix(message["date"], now),
        author=Author(name=name or None, type="citizen", contact=f"@{username}" if username else None),
        author_id=f"tg:{sender['id'] if sender else author_chat['id']}",
        regime="incident",
        lat=location["latitude"] if location else None,
        long=location["longitude"] if location else None,
        attachments=_files(message),
        link=f"https://t.me/{chat['username']}/{message['message_id']}" if chat.get("username") else None,
    )
    # a channel's post has no author to follow up; a message may continue the author's appeal
    thread = telegram_thread(message) if key.type == "message" else None
    receive_message(rt, incoming, raw_text, event=key, thread=thread)


def _text(message: dict) -> str:
    return message["text"] or message["caption"] or ""


def _external_id(message: dict) -> str:
    return f"{message['chat']['id']}_{message['message_id']}"


def _files(message: dict) -> tuple[str, ...]:
    """Telegram file ids (fetched later with getFile), largest photo size only."""
    found = []
    sizes = [p for p in message["photo"] if isinstance(p, dict) and isinstance(p.get("file_id"), str)]
    if sizes:
        found.append("telegram-file:" + max(sizes, key=lambda p: p.get("file_size") or 0)["file_id"])
    document = message["document"]
    if document and isinstance(document.get("file_id"), str):
        found.append("telegram-file:" + document["file_id"])
    return tuple(found)
