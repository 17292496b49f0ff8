"""The score rollup gives exactly the figures the answers give, and follows every change."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cxray.analytics.rollup import score_rollup
from cxray.analytics.scores import score_by, score_of, score_trend
from cxray.analytics.store import AnalyticsStore

from .test_store import rows


@pytest.fixture
def store(tmp_path) -> AnalyticsStore:
    s = AnalyticsStore(f"duckdb:///{tmp_path / 'a.duckdb'}")
    answers = []
    for i in range(200):
        metric = ("nps", "ces", "csat")[i % 3]
        top = {"nps": 11, "ces": 7, "csat": 5}[metric]
        answers.append(
            {
                "workspace": "w",
                "row_key": f"r{i}",
                "response_id": f"r{i}",
                "customer_id": f"c{i % 17}",
                "metric": metric,
                "score": float((i * 7) % top + (metric != "nps")),
                "at": datetime(2024, 1 + i % 12, 1 + i % 28, i % 24),
                "channel": ("web", "email")[i % 2],
                "unit_id": f"u{i % 4}",
            }
        )
    s.write("responses", rows("responses", answers))
    customers = [
        {"workspace": "w", "customer_id": f"c{k}", "segment": "A" if k % 3 else "B"}
        for k in range(17)
    ]
    s.write("customers", rows("customers", customers))
    return s


def with_segment(store: AnalyticsStore):
    r = store.table("responses", "w")
    c = store.table("customers", "w").select("customer_id", "segment")
    return r.left_join(c, r.customer_id == c.customer_id)


@pytest.mark.parametrize("metric", ["nps", "ces", "csat"])
def test_rollup_gives_the_figures_of_the_answers(store, metric):
    roll = score_rollup(store, "w")
    assert roll is not None
    # 200 answers, far fewer rows: days x dimensions x score values
    assert int(roll.n.sum().execute()) == 200
    assert roll.count().execute() < 200

    raw = score_of(metric, store.table("responses", "w"))
    fast = score_of(metric, roll, weight="n")
    assert (fast.n, fast.top, fast.bottom) == (raw.n, raw.top, raw.bottom)
    assert fast.value == pytest.approx(raw.value, abs=1e-12)
    assert (fast.low, fast.high) == pytest.approx((raw.low, raw.high), abs=1e-9)

    by_raw = score_by(metric, with_segment(store), ["segment", "channel"])
    by_fast = score_by(metric, roll, ["segment", "channel"], weight="n")
    assert by_fast.keys() == by_raw.keys()
    for key, s in by_raw.items():
        assert by_fast[key].value == pytest.approx(s.value, abs=1e-12)
        assert by_fast[key].n == s.n

    trend_raw = score_trend(metric, store.table("responses", "w"), freq="week")
    trend_fast = score_trend(metric, roll, freq="week", weight="n")
    assert {d: s.n for d, s in trend_fast.items()} == {d: s.n for d, s in trend_raw.items()}


def test_rollup_follows_new_answers_and_segment_changes(store):
    before = score_of("nps", score_rollup(store, "w"), weight="n")
    store.write(
        "responses",
        rows(
            "responses",
            [
                {
                    "workspace": "w",
                    "row_key": "new",
                    "customer_id": "c1",
                    "metric": "nps",
                    "score": 10.0,
                    "at": datetime(2025, 1, 1),
                }
            ],
        ),
    )
    after = score_of("nps", score_rollup(store, "w"), weight="n")
    assert (after.n, after.top) == (before.n + 1, before.top + 1)

    store.write(
        "customers", rows("customers", [{"workspace": "w", "customer_id": "c1", "segment": "C"}])
    )
    seg = score_by("nps", score_rollup(store, "w"), "segment", weight="n")
    assert (
        seg["C"].n
        == score_of("nps", store.table("responses", "w").filter(lambda t: t.customer_id == "c1")).n
    )


def test_rollup_of_a_day_is_the_calendar_day(store):
    roll = score_rollup(store, "w")
    days = {d.date() for d in roll.at.execute()}
    assert date(2024, 1, 1) in days
    assert all(d.hour == 0 for d in roll.at.execute())


def test_weight_must_be_an_integer_column(store):
    from cxray.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="weight column 'score'"):
        score_of("nps", store.table("responses", "w"), weight="score")


def test_other_engines_have_no_rollup(tmp_path):
    assert score_rollup(AnalyticsStore(f"sqlite:///{tmp_path / 'a.db'}"), "w") is None
