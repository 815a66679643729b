"""Tables. Times are stored as naive UTC and returned timezone-aware (UTC)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from .db import database
from .encryption import EncryptedTextField


class UTCDateTimeField(DateTimeField):
    """Accepts aware datetimes, stores naive UTC, gives back aware UTC."""

    def db_value(self, value):
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"{self.name}: naive datetime {value!r}; pass an aware one")
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class JSONField(TextField):
    """JSON kept as text so SQLite and PostgreSQL store it the same way: keys sorted, non-ASCII as it is.

    Written by orjson (a routed appeal's explanation, about 7.6 KB of JSON, takes 25 µs to write instead of
    the standard library's 140); a value orjson writes differently (a datetime, a dataclass, a subclass of a
    basic type, an integer over 64 bits) goes through the standard library, as before: what was refused is
    still refused. Read by the standard library: orjson would read an integer over 64 bits as a float."""

    def db_value(self, value):
        if value is None:
            return None
        try:
            return orjson.dumps(value, option=_ORJSON_WRITE).decode()
        except TypeError:
            return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


# keys sorted; keys that are not text made text as the standard library does; the types it refuses or
# writes otherwise are handed back (TypeError) to it
_ORJSON_WRITE = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                 | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class MigrationRecord(BaseModel):
    number = IntegerField(primary_key=True)
    name = CharField()
    applied_at = UTCDateTimeField()


class ChannelRecord(BaseModel):
    id = AutoField()
    name = CharField(unique=True, max_length=64)
    kind = CharField(max_length=16)
    # m0019: every credential of a channel is encrypted at rest (engine/store/encryption.py)
    secret = EncryptedTextField(null=True)
    previous_secret = EncryptedTextField(null=True)
    previous_secret_until = UTCDateTimeField(null=True)
    confirmation = EncryptedTextField(null=True)
    created_at = UTCDateTimeField()
    group_id = BigIntegerField(null=True)  # m0008: a VK channel's community id; events of other groups are ignored
    # m0015: what our service uses to answer residents on this channel: the token for the platform's API
    # (a VK community access token, a Telegram bot token) and a generic channel's callback URL
    api_token = EncryptedTextField(null=True)
    callback_url = TextField(null=True)


class TokenRecord(BaseModel):
    id = AutoField()
    token_hash = CharField(unique=True, max_length=64)
    role = CharField(max_length=16)
    label = CharField(null=True)
    created_at = UTCDateTimeField()
    expires_at = UTCDateTimeField(null=True)
    revoked_at = UTCDateTimeField(null=True)
    last_used_at = UTCDateTimeField(null=True)  # m0019: when it last authenticated a request (to the minute)


class AppealRecord(BaseModel):
    id = AutoField()
    channel = CharField(max_length=64)
    external_id = CharField(max_length=200)
    raw_payload = TextField()
    text = TextField()
    author_name = CharField(null=True)
    author_type = CharField(max_length=16)
    author_contact = CharField(null=True)
    municipality = CharField(null=True)
    address = TextField(null=True)
    lat = FloatField(null=True)
    long = FloatField(null=True)
    category = CharField(null=True)
    subcategory = CharField(null=True)
    regime = CharField(max_length=16)
    urgency = CharField(max_length=16)
    fz59 = BooleanField(default=False)
    attachments = JSONField(default=list)
    status = CharField(max_length=16)  # indexed with id (Meta, m0037): the routing queue is read in id order
    received_at = UTCDateTimeField()
    registered_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()
    body = CharField(null=True)  # indexed where set (m0012): an appeal has no body until it is routed
    role = CharField(null=True)
    topic = CharField(null=True)
    priority = CharField(null=True)
    policy = CharField(null=True)
    routing_attempts = IntegerField(default=0)
    next_routing_at = UTCDateTimeField(null=True, index=True)
    last_error = TextField(null=True)
    author_id = CharField(null=True)  # m0005; looked up by the (author_id, received_at) index
    link = TextField(null=True)  # m0005
    repeat_of = IntegerField(null=True)  # m0005: the earlier appeal of the same author on the same topic
    on_control = BooleanField(default=False)  # m0018: answers are checked by the centre before publication
    sector = CharField(null=True)  # m0023: the centre's sector block (topic's, body's or a rule's); indexed where set
    # m0028: the incident the appeal joined (engine/services/incidents.py) and the place it was grouped by
    # ("<municipality>|<street>"); both indexed where set
    incident_id = IntegerField(null=True)
    place_key = CharField(null=True)

    class Meta:
        indexes = ((("channel", "external_id"), True), (("status", "id"), False))


class DecisionRecord(BaseModel):
    id = AutoField()
    appeal = ForeignKeyField(AppealRecord, backref="decisions", on_delete="CASCADE")
    ruleset_version = CharField(max_length=64)
    route_rule_id = CharField()
    rule_ids = JSONField()
    body = CharField()
    role = CharField()
    policy = CharField()
    priority = CharField()
    topic = CharField(null=True)
    tags = JSONField(default=list)
    fz59_special = CharField(null=True)  # "" none; NULL: decided before this was recorded (unknown)
    reading_version = CharField(null=True)  # how the text was read (topics, gazetteer, calendar); NULL: unknown
    on_control = BooleanField(null=True)  # the decision kept the appeal on the centre's control; NULL: before m0036
    explanation = JSONField()
    explanation_text = TextField()  # "" since m0036: the text is rendered from the explanation when read
    decided_at = UTCDateTimeField()


class AssignmentRecord(BaseModel):
    id = AutoField()
    appeal = ForeignKeyField(AppealRecord, backref="assignments", on_delete="CASCADE")
    body = CharField()
    role = CharField()
    official = CharField(null=True)
    assigned_at = UTCDateTimeField()
    ended_at = UTCDateTimeField(null=True)


class ClockRecord(BaseModel):
    id = AutoField()
    appeal = ForeignKeyField(AppealRecord, backref="clocks", on_delete="CASCADE")
    kind = CharField(max_length=32)
    basis = CharField(max_length=32)
    policy_id = CharField()
    policy_version = CharField()
    calendar_version = CharField()
    body = CharField()
    started_at = UTCDateTimeField()
    due_at = UTCDateTimeField(index=True)  # indexed since m0004 (at-risk forecast, recompute)
    deadline_version = IntegerField(default=1)
    paused_total_seconds = IntegerField(default=0)
    paused_since = UTCDateTimeField(null=True)
    stopped_at = UTCDateTimeField(null=True)
    breached_at = UTCDateTimeField(null=True)
    # m0004: the term as started (units of basis), its limits, and what moved it since
    amount = IntegerField(null=True)
    on_non_working = CharField(max_length=16, null=True)
    max_extension_days = IntegerField(default=0)
    extension_days = IntegerField(default=0)
    pause_credit = IntegerField(default=0)  # days or seconds, see engine.domain.clockterm
    # m0007: a clock that starts at the interim answer waits for it ("interim"; due at the cap meanwhile)
    waits_for = CharField(max_length=32, null=True)
    cap_at = UTCDateTimeField(null=True)  # the hard cap from receipt; the due time never passes it
    # m0020: the years of the term counted on the provisional calendar ("2028"), None when the data cover it
    provisional_years = CharField(max_length=64, null=True)
    # m0032: a member of an incident: the incident's clock of the same kind (its first member's) that this
    # clock follows — its due time, pause and breach are that clock's, and its own ladder rests meanwhile
    follows = IntegerField(null=True)

    class Meta:
        indexes = ((("appeal", "kind"), True),)


class EscalationRecord(BaseModel):
    """Where a clock stands on its ladder; the sweep reads rows whose next_check_at has come."""

    id = AutoField()
    clock = ForeignKeyField(ClockRecord, unique=True, backref="escalations", on_delete="CASCADE")
    ladder_id = CharField()
    next_level = IntegerField(default=0)
    next_check_at = UTCDateTimeField(null=True, index=True)
    updated_at = UTCDateTimeField()
    # the level that repeats until acknowledged, how often it has, and when it repeats next
    repeat_level = IntegerField(null=True)
    repeat_count = IntegerField(default=0)
    repeat_from = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("next_check_at", "id"), False),)  # the sweep's keyset order (m0003)


class AlertRecord(BaseModel):
    """The outbox: one row per message to one recipient, delivered by the delivery job."""

    id = AutoField()
    idempotency_key = CharField(unique=True)
    appeal = ForeignKeyField(AppealRecord, null=True, backref="alerts", on_delete="CASCADE")  # none: a digest
    clock = ForeignKeyField(ClockRecord, null=True, on_delete="CASCADE")
    level = CharField()
    role = CharField()
    recipient = CharField()
    address = CharField()
    channel = CharField(max_length=16)
    subject = TextField()
    body = TextField()
    status = CharField(max_length=16)  # indexed with id (Meta, m0037): the outbox is read in id order
    attempts = IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(null=True, index=True)
    last_error = TextField(null=True)
    created_at = UTCDateTimeField()
    sent_at = UTCDateTimeField(null=True)
    acknowledged_at = UTCDateTimeField(null=True)
    deadline_version = IntegerField(null=True)
    repeat = IntegerField(default=0)  # 0 for the first alert of a level, then 1, 2, …
    receipt = TextField(null=True)  # what the channel answered on delivery (message id, status)

    class Meta:
        indexes = ((("status", "id"), False),)


class AuthorMessageRecord(BaseModel):
    """The conversation with the resident (m0015): one row per message sent to the author
    (``direction`` "out": a reply waiting for delivery, sent, or dead) or received from them ("in": a
    follow-up or a message on an open appeal). Outgoing rows are drained by the reply delivery job;
    the idempotency key makes every reply happen once."""

    id = AutoField()
    appeal = ForeignKeyField(AppealRecord, backref="author_messages", on_delete="CASCADE")
    direction = CharField(max_length=3)  # "out" | "in"
    kind = CharField(max_length=32)  # acknowledgement, forwarded, …, follow_up, author_message
    route = CharField(max_length=16)  # vk_comment, vk_message, telegram, email, callback, open311, manual
    address = JSONField(default=dict)  # where the route delivers (peer, chat and message ids, e-mail, URL)
    text = TextField()
    status = CharField(max_length=16)  # pending | sent | dead | received | manual | cancelled; with id (m0037)
    idempotency_key = CharField(unique=True)
    attempts = IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(null=True, index=True)
    last_error = TextField(null=True)
    platform_id = CharField(null=True)  # what the platform gave the message: VK comment id, message_id, …
    created_at = UTCDateTimeField()
    sent_at = UTCDateTimeField(null=True)
    actor = CharField(null=True)  # who caused it: a staff actor, "system", or "channel:<name>" for inbound
    details = JSONField(default=dict)  # the template and fields used, the answer draft id, …

    class Meta:
        indexes = ((("status", "id"), False),)


class AnswerRecord(BaseModel):
    """An official's answer to the author (m0018): published at once, or, for an appeal on control, a
    draft the centre approves (then published, possibly with an edited text) or returns with remarks."""

    id = AutoField()
    appeal = ForeignKeyField(AppealRecord, backref="answers", on_delete="CASCADE")
    kind = CharField(max_length=16)  # interim | final
    text = TextField()  # as the official wrote it
    published_text = TextField(null=True)  # what the author was sent (the reviewer may edit it)
    status = CharField(max_length=16, index=True)  # review | returned | published | withdrawn
    written_by = CharField()
    written_at = UTCDateTimeField()
    reviewed_by = CharField(null=True)
    reviewed_at = UTCDateTimeField(null=True)
    remarks = TextField(null=True)  # why the centre returned it
    published_at = UTCDateTimeField(null=True)
    body = CharField(null=True)  # the body that answered: what the quality figures count by


class AuditRecord(BaseModel):
    id = AutoField()
    at = UTCDateTimeField(index=True)
    actor = CharField()
    action = CharField()
    appeal = ForeignKeyField(AppealRecord, null=True, backref="audit", on_delete="CASCADE")
    details = JSONField(default=dict)


class SimulationRecord(BaseModel):
    """A backtest of a draft asked for over HTTP (m0009): queued, then run by one worker, which
    writes its progress and, at the end, the report or the error."""

    id = AutoField()
    status = CharField(max_length=16, index=True)  # queued | running | done | failed
    requested_by = CharField()
    files = JSONField()  # the draft: relative path → YAML text
    files_hash = CharField(max_length=64, null=True)
    since = UTCDateTimeField()
    appeal_limit = IntegerField(null=True)
    created_at = UTCDateTimeField()
    started_at = UTCDateTimeField(null=True)
    finished_at = UTCDateTimeField(null=True)
    heartbeat_at = UTCDateTimeField(null=True)  # moves with each progress write of the running worker
    claim = CharField(max_length=64, null=True)  # the run holding it: only that run writes progress and result
    progress_done = IntegerField(default=0)
    progress_total = IntegerField(null=True)
    result = JSONField(null=True)
    error = TextField(null=True)


class SavedFilterRecord(BaseModel):
    """A search of the appeal list a staff member keeps under a name of their own (m0022):
    «мои просроченные» → {"overdue": "true", "sort": "due"}."""

    id = AutoField()
    owner = CharField()  # the caller's actor: "user:<login>" or "token:<id>"
    name = CharField(max_length=100)
    query = JSONField()  # the list's query parameters, as the appeal list reads them
    created_at = UTCDateTimeField()

    class Meta:
        indexes = ((("owner", "name"), True),)


class IncidentRecord(BaseModel):
    """m0028: appeals about one problem in one place and window, routed once (its first member's decision)."""

    id = AutoField()
    topic = CharField(max_length=64)
    municipality = CharField(null=True)
    place_key = CharField(null=True)  # "<municipality>|<street>" when grouped by street
    street = CharField(null=True)
    house = CharField(null=True)
    address = TextField(null=True)
    lat = FloatField(null=True)
    long = FloatField(null=True)
    lead = IntegerField()  # the first member: the incident's routing is its decision
    body = CharField(null=True)
    role = CharField(null=True)
    official = CharField(null=True)
    priority = CharField(null=True)
    policy = CharField(null=True)
    status = CharField(max_length=16, default="open")  # open | closed
    members = IntegerField(default=0)
    authors = IntegerField(default=0)
    first_report_at = UTCDateTimeField()
    last_report_at = UTCDateTimeField()
    words = JSONField(default=list)  # the members' topic words, compared with a new appeal's
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()

    class Meta:
        indexes = (
            (("topic", "place_key", "last_report_at"), False),
            (("topic", "municipality", "last_report_at"), False),
        )


ALL_TABLES = (
    MigrationRecord,
    ChannelRecord,
    TokenRecord,
    AppealRecord,
    DecisionRecord,
    AssignmentRecord,
    ClockRecord,
    EscalationRecord,
    AlertRecord,
    AuditRecord,
    SimulationRecord,
    AuthorMessageRecord,
    AnswerRecord,
    SavedFilterRecord,
    IncidentRecord,
)
