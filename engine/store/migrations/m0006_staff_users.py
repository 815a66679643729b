"""Staff web users, their login sessions, and the owner of each API token."""

from .. import users


def apply(db) -> None:
    db.create_tables(list(users.TABLES), safe=True)
