"""The databases a bench runs on: a SQLite file in a temporary folder, and a fresh schema of the
PostgreSQL server (APPEALS_BENCH_POSTGRES), dropped afterwards; PostgreSQL is skipped when unreachable."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_URL = os.environ.get("APPEALS_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgres")


def postgres_schema() -> str | None:
    try:
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return schema
    except Exception:
        return None


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def database_url(backend: str, folder: Path, name: str) -> Iterator[str | None]:
    """The URL of an empty database of ``backend`` (None: PostgreSQL not reachable, said on stdout)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder}/{name}.db"
        return
    schema = postgres_schema()
    if schema is None:
        print("postgres: not reachable, skipped")
        yield None
        return
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        drop_schema(schema)


def chosen(only: str | None) -> tuple[str, ...]:
    """The backends a run asked for (``--only``), in the usual order."""
    return tuple(b for b in BACKENDS if not only or b == only)
