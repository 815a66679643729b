"""The watch list of public VK walls and the reading cursors per wall and post (engine/store/watch.py)."""

from .. import watch


def apply(db) -> None:
    db.create_tables(list(watch.TABLES), safe=True)
