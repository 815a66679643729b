"""The VK community id of a channel (`appeals channel add … --kind vk --group-id N`)."""

from .. import models
from . import add_column_if_missing


def apply(db) -> None:
    add_column_if_missing(db, models.ChannelRecord, "group_id")
