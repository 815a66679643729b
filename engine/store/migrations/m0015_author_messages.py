"""The conversation with the resident: the table of messages to and from the author, and what a
channel needs to answer on it (the platform API token, a generic channel's callback URL)."""

from .. import models
from . import add_column_if_missing


def apply(db) -> None:
    add_column_if_missing(db, models.ChannelRecord, "api_token")
    add_column_if_missing(db, models.ChannelRecord, "callback_url")
    db.create_tables([models.AuthorMessageRecord], safe=True)
