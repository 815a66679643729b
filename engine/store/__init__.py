"""Persistence: peewee tables, the database handle, migrations and queries. Only this package imports peewee."""
