"""Erasing one customer from the analytics store (a personal-data request).

Every canonical table with a ``customer_id`` column loses the customer's rows, and
``response_texts`` loses the analysed texts of the customer's responses. On DuckDB it is one
transaction; on other engines the deletes run in order, texts first, so a failure midway
leaves the customer findable and the erasure can simply be repeated.
"""

from __future__ import annotations

import re
from typing import Any

from cxray.analytics.schema import TABLES
from cxray.analytics.store import AnalyticsStore

CUSTOMER_TABLES = tuple(name for name, schema in TABLES.items() if "customer_id" in schema.names)
MIN_PHONE_DIGITS = 6
MAX_MATCHES = 50


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def customer_matches(store: AnalyticsStore, workspace: str, query: str) -> list[dict[str, Any]]:
    """Customers whose id or email equals ``query``, whose name contains it, or whose phone
    ends with its digits; plus ids that appear only in facts (responses without a customer
    row). At most 50."""
    query = (query or "").strip()
    if not query:
        return []
    t = store.table("customers", workspace)
    condition = (t.customer_id == query) | (t.email.lower() == query.lower())
    if len(query) >= 3:
        condition |= t.name.lower().contains(query.lower())
    digits = _digits(query)
    if len(digits) >= MIN_PHONE_DIGITS:
        condition |= t.phone.re_replace(r"\D", "").endswith(digits[-10:])
    rows = (
        t.filter(condition)
        .select("customer_id", "name", "email", "phone", "segment")
        .order_by("customer_id")
        .limit(MAX_MATCHES)
        .to_pyarrow()
        .to_pylist()
    )
    known = {r["customer_id"] for r in rows}
    if query not in known:
        for name in CUSTOMER_TABLES:
            if name == "customers":
                continue
            facts = store.table(name, workspace)
            if int(facts.filter(facts.customer_id == query).count().execute()):
                rows.append(
                    {
                        "customer_id": query,
                        "name": None,
                        "email": None,
                        "phone": None,
                        "segment": None,
                    }
                )
                break
    return rows


def customer_footprint(store: AnalyticsStore, workspace: str, customer_id: str) -> dict[str, int]:
    """How many rows of each table belong to the customer (what an erasure would remove)."""
    counts = {}
    for name in CUSTOMER_TABLES:
        t = store.table(name, workspace)
        counts[name] = int(t.filter(t.customer_id == customer_id).count().execute())
    counts["response_texts"] = len(_response_keys(store, workspace, customer_id))
    return counts


def _response_keys(store: AnalyticsStore, workspace: str, customer_id: str) -> list[str]:
    r = store.table("responses", workspace)
    keys = r.filter(r.customer_id == customer_id).select("row_key")
    texts = store.table("response_texts", workspace)
    found = texts.filter(texts.response_key.isin(keys.row_key)).select("row_key")
    return [row["row_key"] for row in found.to_pyarrow().to_pylist()]


def _texts_of(store: AnalyticsStore, workspace: str, response_keys: list[str]) -> list[str]:
    if not response_keys:
        return []
    texts = store.table("response_texts", workspace)
    found = texts.filter(texts.response_key.isin(response_keys)).select("row_key")
    return [row["row_key"] for row in found.to_pyarrow().to_pylist()]


def customer_erase(
    store: AnalyticsStore,
    workspace: str,
    customer_ids: list[str],
    response_keys: list[str] | None = None,
) -> dict[str, int]:
    """Delete every row about the customers, and the responses with ``response_keys`` (answers
    that reached the store without a customer id); returns the rows removed per table."""
    counts: dict[str, int] = {}
    text_keys: set[str] = set()
    for customer_id in customer_ids:
        for name, n in customer_footprint(store, workspace, customer_id).items():
            counts[name] = counts.get(name, 0) + n
        text_keys.update(_response_keys(store, workspace, customer_id))
    keys = list(response_keys or [])
    if keys:
        r = store.table("responses", workspace)
        extra = r.filter(r.row_key.isin(keys))
        if customer_ids:
            extra = extra.filter(~r.customer_id.isin(customer_ids) | r.customer_id.isnull())
        counts["responses"] = counts.get("responses", 0) + int(extra.count().execute())
        more = set(_texts_of(store, workspace, keys)) - text_keys
        counts["response_texts"] = counts.get("response_texts", 0) + len(more)
        text_keys |= more
    with store.transaction():
        delete_rows(store, "response_texts", workspace, "row_key", sorted(text_keys))
        delete_rows(store, "responses", workspace, "row_key", keys)
        for name in CUSTOMER_TABLES:
            delete_rows(store, name, workspace, "customer_id", list(customer_ids))
    return {k: v for k, v in counts.items() if v}


def delete_rows(
    store: AnalyticsStore, table: str, workspace: str, column: str, values: list[str]
) -> None:
    """Delete the workspace's rows of ``table`` whose ``column`` is one of ``values``."""
    if not values:
        return
    if store.is_duckdb:
        marks = ", ".join("?" for _ in values)
        store.raw.execute(
            f'DELETE FROM "{table}" WHERE workspace = ? AND "{column}" IN ({marks})',
            [workspace, *values],
        )
        return
    # Ibis has no DELETE; other SQL engines take raw SQL with quoted literals (quotes doubled).
    literal = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    ws = workspace.replace("'", "''")
    store.con.raw_sql(f"DELETE FROM {table} WHERE workspace = '{ws}' AND {column} IN ({literal})")


__all__ = ["customer_erase", "customer_footprint", "customer_matches", "delete_rows"]
