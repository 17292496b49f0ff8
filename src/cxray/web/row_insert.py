"""INSERT of one new row with a statement built once per model and database vendor.

``Model.objects.create`` compiles its INSERT anew on every call: for a survey answer's 19
columns that was about a third of the request's CPU on the public survey page, the path
that must take hundreds of answers a second (docs/decisions/0017). Here the statement is
built once, and each value still goes through its field's ``pre_save`` and
``get_db_prep_save``, as the ORM's compiler does, so the stored row is the same
(``tests/web/test_row_insert.py`` compares every column with ``create``'s).

Only plain values: no expressions, no ``save()`` overrides and no ``pre_save``/``post_save``
signals (callers are models that have none).
"""

from __future__ import annotations

from typing import TypeVar

from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)

_statements: dict[tuple[type[models.Model], str], tuple[str, list[models.Field], bool]] = {}


def _statement(
    model: type[models.Model], connection: BaseDatabaseWrapper
) -> tuple[str, list[models.Field], bool]:
    key = (model, connection.vendor)
    found = _statements.get(key)
    if found is None:
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
        quote = connection.ops.quote_name
        returning = bool(connection.features.can_return_columns_from_insert)
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        if returning:
            sql += f" RETURNING {quote(meta.pk.column)}"
        found = _statements[key] = (sql, fields, returning)
    return found


def row_insert(obj: M, *, using: str = "default") -> M:
    """Store ``obj`` (new, unsaved) with one INSERT and set its primary key; return it."""
    connection = connections[using]
    sql, fields, returning = _statement(type(obj), connection)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    obj._state.adding = False
    obj._state.db = using
    return obj
