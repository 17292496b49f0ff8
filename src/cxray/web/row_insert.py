"""INSERT of new rows with a statement built once per model, database vendor and row count.

``Model.objects.create`` and ``bulk_create`` compile their INSERT anew on every call: for a
survey answer's 19 columns that was about a third of the request's CPU on the public survey
page, and the largest part of the case checker's batches, the paths that must take hundreds
of answers a second (docs/decisions/0017). Here the statement is built once, and each value
still goes through its field's ``pre_save`` and ``get_db_prep_save``, as the ORM's compiler
does, so the stored rows are the same (``tests/web/test_row_insert.py`` compares every
column with the ORM's).

Only plain values: no expressions, no ``save()`` overrides and no ``pre_save``/``post_save``
signals (callers are models that have none).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)

_statements: dict[tuple[type[models.Model], str, int], tuple[str, list[models.Field]]] = {}


def _statement(
    model: type[models.Model], connection: BaseDatabaseWrapper, n_rows: int, returning: bool
) -> tuple[str, list[models.Field]]:
    key = (model, connection.vendor, n_rows)
    found = _statements.get(key)
    if found is None:
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
        quote = connection.ops.quote_name
        row = "({})".format(", ".join(["%s"] * len(fields)))
        sql = "INSERT INTO {} ({}) VALUES {}".format(
            quote(meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join([row] * n_rows),
        )
        if returning:
            sql += f" RETURNING {quote(meta.pk.column)}"
        found = _statements[key] = (sql, fields)
    return found


def rows_insert(objs: Sequence[M], *, using: str = "default") -> Sequence[M]:
    """Store ``objs`` (new, unsaved, of one model) with one INSERT per chunk that the database
    takes, and set their primary keys, in order; return them."""
    if not objs:
        return objs
    connection = connections[using]
    model = type(objs[0])
    meta = model._meta
    # Without RETURNING a database tells only the last id: one row per statement there.
    returning = bool(connection.features.can_return_rows_from_bulk_insert)
    size = (
        max(connection.ops.bulk_batch_size(meta.local_concrete_fields, objs), 1) if returning else 1
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            sql, fields = _statement(model, connection, len(chunk), returning)
            params = [
                f.get_db_prep_save(f.pre_save(obj, True), connection)
                for obj in chunk
                for f in fields
            ]
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()] if returning else [cursor.lastrowid]
            for obj, pk in zip(chunk, ids, strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = using
    return objs


def row_insert(obj: M, *, using: str = "default") -> M:
    """Store ``obj`` (new, unsaved) with one INSERT and set its primary key; return it."""
    return rows_insert([obj], using=using)[0]
