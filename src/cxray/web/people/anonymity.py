"""The one place where employees' answers leave the store for the web, the API, the CLI and
exports: every read of ``responses`` through :class:`~cxray.web.dashboards.selectors.
ScopedStore` gets customers' answers as they are and employees' answers only as protected
cells (:mod:`cxray.analytics.anonymity`), with the workspace's minimum group size.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import ibis
import pyarrow as pa
from django.core.cache import cache
from django.utils import timezone

from cxray.analytics.anonymity import (
    DEFAULT_MIN_GROUP,
    ProtectedAnswers,
    employee_filter,
    protect_answers,
)
from cxray.analytics.schema import TABLES
from cxray.web.people.models import PeopleSettings

CACHE_SECONDS = 600


def people_settings_get(*, workspace_slug: str) -> PeopleSettings:
    """The workspace's settings, or an unsaved row with the defaults."""
    found = PeopleSettings.objects.filter(workspace__slug=workspace_slug).first()
    return found or PeopleSettings(min_group_size=DEFAULT_MIN_GROUP)


def min_group_size(workspace_slug: str) -> int:
    return int(people_settings_get(workspace_slug=workspace_slug).min_group_size)


def protected_answers(
    store: Any, workspace: str, *, as_of: date | None = None, min_group: int | None = None
) -> ProtectedAnswers:
    """Employees' answers of the whole workspace as cells (scope is applied afterwards, on
    the cells, so that a unit manager sees exactly the cells the company sees).

    Cached per store version, minimum group and day: every page that reads responses needs
    them, and they change only when the data, the setting or the quarter does."""
    k = min_group if min_group is not None else min_group_size(workspace)
    day = as_of or timezone.localdate()
    key = _key("answers", store, workspace, k, day)
    found = cache.get(key)
    if found is None:
        found = protect_answers(
            store.table("responses", workspace),
            employees=store.table("employees", workspace),
            units=store.table("units", workspace),
            min_group=k,
            as_of=day,
        )
        cache.set(key, found, CACHE_SECONDS)
    return found


def protected_rows(store: Any, workspace: str) -> pa.Table:
    """:func:`protected_answers` in the canonical ``responses`` shape, cached the same way."""
    key = _key("rows", store, workspace, min_group_size(workspace), timezone.localdate())
    found = cache.get(key)
    if found is None:
        found = canonical_rows(protected_answers(store, workspace), workspace)
        cache.set(key, found, CACHE_SECONDS)
    return found


def _key(kind: str, store: Any, workspace: str, *parts: Any) -> str:
    raw = repr((kind, store.url, workspace, store.version(workspace), parts))
    return "people-anonymity:" + hashlib.sha256(raw.encode()).hexdigest()


def canonical_rows(protected: ProtectedAnswers, workspace: str) -> pa.Table:
    """The protected answers in the canonical ``responses`` shape."""
    schema = TABLES["responses"].to_pyarrow()
    df = protected.rows.assign(workspace=workspace)
    cols = {}
    for f in schema:
        values = df[f.name].tolist() if f.name in df else [None] * len(df)
        values = [None if _missing(v) else v for v in values]
        if f.name == "scale_max":
            values = [None if v is None else int(v) for v in values]
        cols[f.name] = pa.array(values, f.type)
    return pa.table(cols, schema=schema)


def customer_answers(t: ibis.Table) -> ibis.Table:
    """``t`` without employees' answers."""
    return t.filter(~employee_filter(t))


def with_protected(t: ibis.Table, rows: pa.Table) -> ibis.Table:
    """Customers' answers of ``t`` and the protected employee rows, in ``t``'s columns."""
    if rows.num_rows == 0:
        # Nothing to add; and DuckDB 1.5 fails where it pushes a join's bloom filter into an
        # in-memory Arrow table (duckdb/duckdb-python#463), see below.
        return customer_answers(t)
    mem = ibis.memtable(rows)
    # A filter on a window's result is a wall that no join filter passes, so DuckDB never
    # pushes one into the Arrow scan below.
    mem = mem.mutate(_cx_row=ibis.row_number()).filter(lambda m: m._cx_row >= 0)
    mem = mem.select(*[mem[c].cast(t[c].type()).name(c) for c in t.columns])
    return customer_answers(t).union(mem)


def with_protected_rollup(roll: ibis.Table, rows: pa.Table) -> ibis.Table:
    """The same for the rollup of counts (:mod:`cxray.analytics.rollup`): protected rows
    weigh one answer each."""
    mem = ibis.memtable(rows)
    extra = {"segment": ibis.null("string"), "n": ibis.literal(1, "int64")}
    cols = []
    for c in roll.columns:
        value = mem[c] if c in mem.columns else extra.get(c, ibis.null(roll[c].type()))
        cols.append(value.cast(roll[c].type()).name(c))
    return customer_answers(roll).union(mem.select(*cols))


def _missing(v: Any) -> bool:
    try:
        return v is None or bool(v != v)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False
