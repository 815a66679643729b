"""Published rule versions and the log of which one is active."""

from .. import rule_versions


def apply(db) -> None:
    db.create_tables(list(rule_versions.TABLES), safe=True)
