"""The store's contract on every engine it is tested with: DuckDB (default) and SQLite."""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa
import pytest

from cxray.analytics.schema import TABLES
from cxray.analytics.scores import nps
from cxray.analytics.store import AnalyticsStore


@pytest.fixture(params=["duckdb", "sqlite"])
def store(request, tmp_path) -> AnalyticsStore:
    return AnalyticsStore(f"{request.param}:///{tmp_path / 'analytics.db'}")


def rows(name: str, records: list[dict]) -> pa.Table:
    schema = TABLES[name].to_pyarrow()
    return pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in records], schema)


def responses(workspace: str, scores: list[int]) -> pa.Table:
    return rows(
        "responses",
        [
            {
                "workspace": workspace,
                "row_key": f"{workspace}-{i}",
                "response_id": str(i),
                "metric": "nps",
                "score": float(s),
                "scale_max": 10,
                "at": datetime(2024, 5, 1),
            }
            for i, s in enumerate(scores)
        ],
    )


def test_fact_rows_are_written_once(store):
    first = store.write("responses", responses("a", [10, 9, 3, 7]))
    again = store.write("responses", responses("a", [10, 9, 3, 7, 0]))
    assert (first, again) == (4, 1)
    assert store.count("responses", "a") == 5


def test_workspaces_never_see_each_other(store):
    store.write("responses", responses("a", [10, 10, 10]))
    store.write("responses", responses("b", [0, 0]))
    assert nps(store.table("responses", "a")).value == pytest.approx(100.0)
    assert nps(store.table("responses", "b")).value == pytest.approx(-100.0)
    store.delete_workspace("b")
    assert (store.count("responses", "a"), store.count("responses", "b")) == (3, 0)


def test_entities_are_upserted_by_id(store):
    def customer(cid: str, segment: str) -> dict:
        return {
            "workspace": "a",
            "customer_id": cid,
            "segment": segment,
            "first_seen": date(2024, 1, 1),
            "churned": False,
        }

    assert (
        store.write("customers", rows("customers", [customer("c1", "x"), customer("c2", "x")])) == 2
    )
    assert store.write("customers", rows("customers", [customer("c2", "y")])) == 1
    assert store.write("customers", rows("customers", [customer("c2", "y")])) == 0
    stored = store.to_arrow("customers", "a").to_pylist()
    assert sorted((r["customer_id"], r["segment"]) for r in stored) == [("c1", "x"), ("c2", "y")]


def test_replace_workspace_replaces_only_that_workspace(store):
    unit = {"unit_id": "u1", "name": "U", "kind": "company"}
    store.replace_workspace("units", "a", rows("units", [{**unit, "workspace": "a"}]))
    store.replace_workspace("units", "b", rows("units", [{**unit, "workspace": "b"}]))
    store.replace_workspace(
        "units",
        "a",
        rows(
            "units",
            [
                {**unit, "workspace": "a", "unit_id": "u2"},
                {**unit, "workspace": "a", "unit_id": "u3"},
            ],
        ),
    )
    assert (store.count("units", "a"), store.count("units", "b")) == (2, 1)


def test_a_failed_write_leaves_nothing_behind_on_duckdb(tmp_path):
    store = AnalyticsStore(f"duckdb:///{tmp_path / 'a.duckdb'}")
    with pytest.raises(RuntimeError), store.transaction():
        store.write("responses", responses("a", [10, 9]))
        raise RuntimeError("the second table failed")
    assert store.count("responses", "a") == 0
