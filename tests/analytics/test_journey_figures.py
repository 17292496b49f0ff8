"""Live figures per touchpoint against values computed by hand on a tiny store."""

from __future__ import annotations

import math
from datetime import date, datetime

import pyarrow as pa
import pytest
from scipy import stats

from cxray.analytics.journey_figures import ASSUMED, MEASURED, PARTLY, touchpoint_figures
from cxray.analytics.schema import TABLES
from cxray.analytics.scores import wilson_interval
from cxray.analytics.store import AnalyticsStore

WS = "w"
AS_OF = date(2025, 6, 30)  # the 90-day window must end by then: last visits up to 2025-04-01


def _rows(name: str, rows: list[dict]) -> pa.Table:
    schema = TABLES[name].to_pyarrow()
    return pa.Table.from_pylist(
        [{c: {"workspace": WS, **r}.get(c) for c in schema.names} for r in rows], schema=schema
    )


def _t(s: str) -> datetime:
    return datetime.fromisoformat(s)


@pytest.fixture
def store(tmp_path):
    s = AnalyticsStore(f"duckdb://{tmp_path / 'a.duckdb'}")
    visits = [
        ("c1", "desk", "2025-01-10"),  # churned 2025-02-01: within 90 days -> counts
        ("c2", "desk", "2025-01-05"),
        ("c2", "desk", "2025-03-01"),  # last visit; churned 2025-07-15, later than 90 days
        ("c3", "desk", "2025-02-01"),  # never churned
        ("c4", "desk", "2025-06-15"),  # too recent to have watched 90 days: left out
        ("c5", "desk", "2025-03-15"),  # churned before this visit: not "after" it
        ("c6", "desk", "2025-01-20"),  # churned on day 90 exactly -> counts
        ("c1", "call", "2025-01-01"),
        ("c2", "call", "2025-01-01"),
    ]
    s.write(
        "interactions",
        _rows(
            "interactions",
            [
                {"row_key": f"i{i}", "customer_id": c, "touchpoint_id": tp, "at": _t(d)}
                for i, (c, tp, d) in enumerate(visits)
            ],
        ),
    )
    churned = {"c1": "2025-02-01", "c2": "2025-07-15", "c5": "2025-03-10", "c6": "2025-04-20"}
    s.write(
        "customers",
        _rows(
            "customers",
            [
                {
                    "customer_id": c,
                    "churned": c in churned,
                    "churned_at": date.fromisoformat(churned[c]) if c in churned else None,
                }
                for c in ("c1", "c2", "c3", "c4", "c5", "c6")
            ],
        ),
    )
    answers = [
        ("r1", "c1", "csat", 1, ""),
        ("r2", "c2", "csat", 5, ""),
        ("r3", "c3", "csat", 2, ""),
        ("r4", "c6", "csat", 4, ""),
        ("r5", "c1", "nps", 10, ""),
        ("r6", "c2", "nps", 3, ""),
        ("e1", "c1", "custom", 8, "desk-expected"),
        ("e2", "c1", "custom", 5, "desk-experienced"),
        ("e3", "c2", "custom", 6, "desk-expected"),
        ("e4", "c2", "custom", 7, "desk-experienced"),
        ("e5", "c3", "custom", 9, "desk-expected"),  # no pair: left out
    ]
    s.write(
        "responses",
        _rows(
            "responses",
            [
                {"row_key": k, "response_id": k, "customer_id": c, "metric": m, "score": float(v),
                 "scale_max": 10 if m != "csat" else 5, "touchpoint_id": "desk",
                 "survey_id": sid, "at": _t("2025-02-15")}
                for k, c, m, v, sid in answers
            ],
        ),
    )  # fmt: skip
    s.write(
        "transactions",
        _rows(
            "transactions",
            [
                {"row_key": "t1", "customer_id": "c3", "at": _t("2025-05-01"), "amount": 120.0},
                {"row_key": "t2", "customer_id": "c3", "at": _t("2024-01-01"), "amount": 10.0},
                {"row_key": "t3", "customer_id": "c2", "at": _t("2025-05-01"), "amount": 50.0},
            ],
        ),
    )
    s.write(
        "response_texts",
        _rows(
            "response_texts",
            [
                {"row_key": "r1:comment", "response_key": "r1", "field": "comment",
                 "language": "en", "sentiment": "negative", "sentiment_score": -0.8,
                 "themes": "waiting", "masked": "Forty minutes at the desk"},
                {"row_key": "r3:comment", "response_key": "r3", "field": "comment",
                 "language": "en", "sentiment": "negative", "sentiment_score": -0.5,
                 "themes": "waiting,staff", "masked": "Long queue, rude desk"},
            ],
        ),
    )  # fmt: skip
    yield s
    s.con.disconnect()


def test_figures_per_touchpoint_match_the_hand_count(store):
    figs = touchpoint_figures(store, WS, ["desk", "call", "ghost"], as_of=AS_OF, min_n=3)
    desk = figs["desk"]
    assert desk.reach == 6
    csat = desk.scores["csat"]
    assert (csat.n, csat.top, csat.value) == (4, 2, 50.0)  # c2 5, c6 4 of 1, 5, 2, 4
    assert desk.scores["nps"].n == 2 and desk.scores["nps"].value == 0.0
    assert desk.primary.metric == "csat"
    # churn: watched c1 c2 c3 c5 c6 (c4 too recent); churned within 90 days: c1, c6.
    assert (desk.churn.n, desk.churn.top, desk.churn.value) == (5, 2, 40.0)
    low, high = wilson_interval(2, 5)
    assert (desk.churn.low, desk.churn.high) == pytest.approx((100 * low, 100 * high))
    # expectation gap: c1 5-8 = -3, c2 7-6 = +1 -> mean -1, sd sqrt(8), n 2.
    gap = desk.expectation_gap
    assert (gap.n, gap.value) == (2, -1.0)
    half = stats.t.ppf(0.975, 1) * math.sqrt(8) / math.sqrt(2)
    assert (gap.low, gap.high) == pytest.approx((-1 - half, -1 + half))
    # revenue at risk: low CSAT (<= 2) and not churned: c3 only (c1 has left); revenue of
    # the last 365 days 120 (the 2024 purchase is older), times the 40 % churn share.
    assert desk.revenue_at_risk.value == pytest.approx(48.0)
    assert desk.revenue_at_risk.n == 1
    assert desk.themes[0].theme == "waiting" and desk.themes[0].mentions == 2
    assert "Forty minutes at the desk" in [q[0] for q in desk.themes[0].quotes]
    assert desk.evidence == MEASURED

    call = figs["call"]
    assert call.reach == 2 and call.scores == {} and call.primary is None
    assert (call.churn.n, call.churn.top) == (2, 1)  # c1 left 31 days after; c2 did not
    assert call.expectation_gap is None and call.revenue_at_risk is None
    assert call.evidence == PARTLY

    ghost = figs["ghost"]
    assert ghost.reach == 0 and ghost.churn is None and ghost.evidence == ASSUMED


def test_below_minimum_n_a_step_is_only_partly_measured(store):
    assert touchpoint_figures(store, WS, ["desk"], as_of=AS_OF)["desk"].evidence == PARTLY


def test_churn_lag_moves_churn_dates_back(store):
    # With a 30-day lag c2 "left" on 2025-06-15, still later than 90 days after 2025-03-01;
    # c5 left 2025-02-08 (before the visit) - the same two of five.
    figs = touchpoint_figures(store, WS, ["desk"], as_of=AS_OF, churn_lag_days=30)
    # c1: 2025-01-02 is before the visit of 2025-01-10 -> no longer counts; c6: 2025-03-21 yes.
    assert (figs["desk"].churn.n, figs["desk"].churn.top) == (5, 1)


def test_no_churn_dates_means_not_measured(tmp_path):
    s = AnalyticsStore(f"duckdb://{tmp_path / 'b.duckdb'}")
    s.write(
        "interactions",
        _rows("interactions", [{"row_key": "x", "customer_id": "c", "touchpoint_id": "t",
                                "at": _t("2025-01-01")}]),
    )  # fmt: skip
    f = touchpoint_figures(s, WS, ["t"], as_of=AS_OF)["t"]
    assert f.reach == 1 and f.churn is None and f.revenue_at_risk is None
    s.con.disconnect()


@pytest.mark.parametrize("metric", ["nps", "csat", "ces"])
def test_scores_from_counts_equal_the_scores_module(metric):
    import numpy as np
    import pandas as pd

    from cxray.analytics.journey_figures import _score_from_counts
    from cxray.analytics.schema import METRIC_SCALES
    from cxray.analytics.scores import score_of

    lo, hi = METRIC_SCALES[metric]
    values = np.random.default_rng(1).integers(lo, hi + 1, 57).astype(float)
    direct = score_of(metric, pd.DataFrame({"score": values, "metric": metric}))
    counts = pd.Series(values).value_counts().to_dict()
    got = _score_from_counts(metric, counts, min_n=30)
    fields = ("value", "low", "high", "std_error")
    assert [getattr(got, f) for f in fields] == pytest.approx([getattr(direct, f) for f in fields])
    assert (got.n, got.top, got.middle, got.bottom) == (direct.n, direct.top, direct.middle,
                                                        direct.bottom)  # fmt: skip


class _WithExtraAnswers:
    """Like the web's scoped store: ``responses`` come with extra rows from an in-memory
    table (there, the protected employee answers), which Ibis names anew every time."""

    def __init__(self, store: AnalyticsStore, extra: pa.Table) -> None:
        self.store, self.extra = store, extra

    def table(self, name: str, workspace: str):
        import ibis

        t = self.store.table(name, workspace)
        if name != "responses":
            return t
        mem = ibis.memtable(self.extra)
        return t.union(mem.select(*[mem[c].cast(t[c].type()).name(c) for c in t.columns]))


def test_compiled_sql_serves_again_after_the_data_changed(store, monkeypatch):
    import ibis

    from cxray.analytics import journey_figures

    compiled = []
    to_sql = ibis.to_sql
    monkeypatch.setattr(ibis, "to_sql", lambda *a, **k: compiled.append(1) or to_sql(*a, **k))
    monkeypatch.setattr(journey_figures, "_SQL_CACHE", {})

    def answer(key: str, customer: str, score: float) -> pa.Table:
        return _rows("responses", [{"row_key": key, "response_id": key, "customer_id": customer,
                                    "metric": "csat", "score": score, "scale_max": 5,
                                    "touchpoint_id": "desk", "at": _t("2025-02-20")}])  # fmt: skip

    extra = answer("x1", "c7", 5.0)
    first = touchpoint_figures(_WithExtraAnswers(store, extra), WS, ["desk"], as_of=AS_OF, min_n=3)
    # The in-memory answer counts: CSAT 3 satisfied of 5 (5, 4 and the extra 5) = 60 %.
    assert (first["desk"].scores["csat"].n, first["desk"].scores["csat"].value) == (5, 60.0)
    assert compiled, "the first figures compile their queries"
    compiled.clear()
    again = touchpoint_figures(_WithExtraAnswers(store, extra), WS, ["desk"], as_of=AS_OF, min_n=3)
    assert again["desk"].as_dict() == first["desk"].as_dict() and not compiled

    # New data and a later day: the same SQL, run on the new rows.
    store.write("responses", answer("x2", "c4", 1.0))
    later = touchpoint_figures(
        _WithExtraAnswers(store, extra), WS, ["desk"], as_of=date(2025, 7, 1), min_n=3
    )
    assert not compiled
    desk = later["desk"]
    assert (desk.scores["csat"].n, desk.scores["csat"].top) == (6, 3)  # c4's 1 added
    # c4 is low too but has no revenue (unpriced): still c3's 120 x the 40 % churn share.
    assert (desk.churn.n, desk.churn.top) == (5, 2)
    assert (desk.revenue_at_risk.value, desk.revenue_at_risk.n) == (pytest.approx(48.0), 1)
