"""Reply threads of followed posts read to the end: a cursor per thread (engine/store/watch.py), so a new
reply under an older comment is found on a later run and none is read twice."""

from .. import watch


def apply(db) -> None:
    db.create_tables([watch.WatchThreadRecord], safe=True)
