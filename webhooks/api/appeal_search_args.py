"""The query string of an appeal search, read the same way by ``GET /api/v1/appeals``, its exports and
the staff queue page: ``q`` (words, an appeal's number or an author's contact), the filters by their
field names, ``overdue``/``at_risk``/``at_risk_hours``, ``received_from``/``received_to``, ``sort``,
``page``/``limit`` or ``cursor``. An unknown parameter or a bad value is a 400 with the field named."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from engine.domain import time_range
from engine.domain.vocabulary import STATUSES
from engine.services.appeal_search import FILTERS, PAGE_LIMIT, SORTS, STATUS_GROUPS, AppealSearch

from ..bounded_json import MAX_INT
from ..errors import ApiError

AT_RISK_HOURS = 24


class Instant(fields.Field):
    """An ISO 8601 date or date-time; a date alone is midnight in `zone` (UTC unless the reader sets one)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("not ISO 8601")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError("not ISO 8601") from None
        if not time_range.within(moment):
            raise ValidationError(f"outside {time_range.RANGE_TEXT}")
        if moment.tzinfo:
            return moment
        zone = self.context_zone()
        if len(value) <= 10:
            return datetime.combine(date.fromisoformat(value), time(), zone)
        return moment.replace(tzinfo=zone)

    def context_zone(self):
        return getattr(self.parent, "zone", UTC)


class Flag(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).lower()
        if text in ("", "false", "0", "off"):
            return False
        if text in ("true", "1", "on"):
            return True
        raise ValidationError("not a boolean")


class AppealSearchQuerySchema(Schema):
    """Search and filters of the appeal list (every parameter optional)."""

    class Meta:
        unknown = RAISE

    q = fields.String(validate=validate.Length(max=200),
                      metadata={"description": "слова текста, адреса или имени автора (в любой форме), "
                                               "номер обращения или контакт автора"})
    channel = fields.String()
    status = fields.String(validate=validate.OneOf((*STATUSES, *STATUS_GROUPS)),
                           metadata={"description": "статус или группа: open (не завершённые), closed (завершённые)"})
    body = fields.String()
    topic = fields.String()
    municipality = fields.String()
    priority = fields.String()
    policy = fields.String()
    overdue = Flag(metadata={"description": "идущий срок истёк"})
    on_control = Flag(metadata={"description": "true: на контроле (ответы проверяет центр), false: не на контроле"})
    at_risk = Flag(metadata={"description": "идущий срок истекает в ближайшие at_risk_hours часов"})
    at_risk_hours = fields.Integer(validate=validate.Range(min=1, max=24 * 366))
    received_from = Instant(metadata={"description": "поступило не раньше (дата или дата-время ISO 8601)"})
    received_to = Instant(metadata={"description": "поступило раньше (дата или дата-время ISO 8601)"})
    sort = fields.String(validate=validate.OneOf(SORTS),
                         metadata={"description": "newest (по умолчанию), oldest, due (ближайший срок первым)"})
    # bounded so that no number reaches the database beyond its 64-bit integers
    page = fields.Integer(validate=validate.Range(min=1, max=1_000_000))
    limit = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    cursor = fields.Integer(validate=validate.Range(min=1, max=MAX_INT))

    @validates_schema
    def _cursor_pages_newest(self, data, **kwargs):
        if data.get("cursor") and data.get("sort", "newest") != "newest":
            raise ValidationError("a cursor continues the newest-first order only", "cursor")


class AppealExportQuerySchema(AppealSearchQuerySchema):
    """The same search, exported whole."""

    format = fields.String(required=True, validate=validate.OneOf(("csv", "xlsx")))


def read_search(args, *, zone: str | None = None, ignore: tuple[str, ...] = (),
                schema: type[Schema] = AppealSearchQuerySchema) -> tuple[AppealSearch, dict]:
    """(the search, the loaded parameters); `zone`: where a date alone starts (UTC by default);
    `ignore`: parameters that belong to the page, not the search."""
    loader = schema(unknown=RAISE)
    loader.zone = ZoneInfo(zone) if zone else UTC
    raw = {k: v for k, v in args.items() if k not in ignore and v != ""}
    try:
        data = loader.load(raw)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        unknown = sorted(k for k, v in messages.items() if v == ["Unknown field."])
        message = ("unknown parameters: " + ", ".join(unknown)) if unknown else \
            "bad parameters: " + ", ".join(sorted(messages))
        raise ApiError(400, "bad_parameter", message,
                       {k: ["unknown parameter"] if k in unknown else v for k, v in messages.items()}) from None
    search = AppealSearch(
        q=data.get("q", ""),
        filters={name: data[name] for name in FILTERS if data.get(name)},
        overdue=data.get("overdue", False),
        on_control=data.get("on_control"),
        at_risk_hours=data.get("at_risk_hours", AT_RISK_HOURS) if data.get("at_risk") else None,
        received_from=data.get("received_from"),
        received_to=data.get("received_to"),
        sort=data.get("sort", "newest"),
        page=data.get("page", 1),
        per_page=min(data.get("limit", 50), PAGE_LIMIT),
        cursor=data.get("cursor"),
    )
    return search, data

