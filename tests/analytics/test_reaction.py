"""Measured reaction: times, the share within the deadline, and the matched comparison of
handled and not-handled customers, against figures computed by hand."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import pandas as pd
import pytest

from cxray.analytics.reaction import (
    matched_difference,
    reaction_outcome,
    reaction_times,
    score_band,
)
from cxray.errors import InvalidInputError

T0 = datetime(2024, 1, 1)
H = timedelta(hours=1)


def _case(cid, *, react=None, close=None, opened=T0, customer=None, score=2.0):
    return {
        "case_id": cid,
        "customer_id": customer,
        "metric": "nps",
        "score": score,
        "opened": opened,
        "due": opened + 48 * H,
        "first_reaction": opened + react * H if react is not None else None,
        "closed": opened + close * H if close is not None else None,
    }


def test_reaction_times_by_hand():
    now = T0 + 200 * H
    cases = pd.DataFrame(
        [
            _case(1, react=1, close=10),
            _case(2, react=3, close=20),
            _case(3, react=5),
            _case(4, react=100),  # late: the deadline was 48 h
            _case(5),  # no reaction, past the deadline
            _case(6, opened=now - 2 * H),  # no reaction, not due yet: not counted
        ]
    )
    r = reaction_times(cases, now=now)
    # first reaction 1, 3, 5, 100 h: median (3 + 5) / 2 = 4; p90 at rank 2.7: 5 + 0.7 * 95
    assert (r.first_reaction.median_h, r.first_reaction.n) == (4.0, 4)
    assert r.first_reaction.p90_h == pytest.approx(71.5)
    # closure 10, 20 h: median 15, p90 10 + 0.9 * 10 = 19
    assert (r.closure.median_h, r.closure.p90_h, r.closure.n) == (15.0, pytest.approx(19.0), 2)
    # in time 3 of the 5 counted (4 reacted + 1 past due); Wilson 95% for 3/5 is
    # 0.2307-0.8824 (Brown, Cai & DasGupta 2001, eq. 4).
    w = r.within_deadline
    assert (w.top, w.n, w.value) == (3, 5, pytest.approx(60.0))
    assert (w.low, w.high) == (pytest.approx(23.07, abs=0.01), pytest.approx(88.24, abs=0.01))
    assert not w.reliable  # fewer than 10 cases
    # open: 3, 4, 5, 6; overdue (open, past due, no reaction): 5 only
    assert (r.n_cases, r.n_open, r.n_overdue) == (6, 4, 1)
    json.dumps(r.as_dict())  # valid JSON, NaN-free


def test_reaction_times_of_no_cases_are_empty_not_errors():
    r = reaction_times(pd.DataFrame([_case(1)]).iloc[:0], now=T0)
    assert r.first_reaction.n == 0 and math.isnan(r.first_reaction.median_h)
    assert r.as_dict()["first_reaction"]["median_h"] is None
    with pytest.raises(InvalidInputError, match="due"):
        reaction_times(pd.DataFrame({"case_id": [1], "opened": [T0]}), now=T0)


def test_score_bands_split_the_low_bucket():
    assert [score_band("nps", s) for s in (0, 2, 3, 4, 6)] == [
        "nps:low",
        "nps:low",
        "nps:mid",
        "nps:mid",
        "nps:mid",
    ]
    assert [score_band("csat", s) for s in (1, 2)] == ["csat:low", "csat:mid"]
    assert [score_band("ces", s) for s in (1, 2, 3)] == ["ces:low", "ces:mid", "ces:mid"]


@pytest.fixture
def outcome_data():
    """Stratum A (retail, NPS 2): handled h1 h2, not handled u1 (no reaction) u2 (late).
    Stratum B (vip, NPS 5): handled h3, not handled u3 u4. Stratum C (vip, NPS 2): only h5."""
    rows = [
        _case(1, react=2, customer="h1"),
        _case(2, react=10, customer="h2"),
        _case(3, customer="u1"),
        _case(4, react=72, customer="u2"),
        _case(5, react=1, customer="h3", score=5.0),
        _case(6, customer="u3", score=5.0),
        _case(7, customer="u4", score=5.0),
        _case(8, react=1, customer="h5"),
        _case(9, react=1, customer=None),  # no customer: cannot be followed, left out
    ]
    cases = pd.DataFrame(rows)
    seg = {
        "h1": "retail",
        "h2": "retail",
        "u1": "retail",
        "u2": "retail",
        "h3": "vip",
        "u3": "vip",
        "u4": "vip",
        "h5": "vip",
    }
    churned_at = {"u1": "2024-01-31", "u2": "2024-06-01", "u3": "2024-02-15", "u4": "2024-02-15"}
    customers = pd.DataFrame(
        [
            {
                "customer_id": c,
                "segment": s,
                "churned": c in churned_at,
                "churned_at": pd.Timestamp(churned_at[c]).date() if c in churned_at else None,
            }
            for c, s in seg.items()
        ]
    )
    later = T0 + timedelta(days=20)
    answers = [
        ("h1", T0, "nps", 2),  # the answer that opened the case: not "next"
        ("h1", later, "nps", 9),
        ("h1", later + H, "csat", 1),  # another metric: ignored
        ("h1", later + timedelta(days=30), "nps", 3),  # not the first after the case
        ("h2", later, "nps", 7),
        ("u1", later, "nps", 3),
        ("h3", later, "nps", 10),
        ("u3", later, "nps", 5),
        ("u4", later, "nps", 6),
        ("x", later, "nps", 0),  # a customer without a case
    ]
    responses = pd.DataFrame(answers, columns=["customer_id", "at", "metric", "score"])
    return cases, customers, responses


def test_handled_customers_against_matched_not_handled_by_hand(outcome_data):
    cases, customers, responses = outcome_data
    r = reaction_outcome(
        cases, customers=customers, responses=responses, as_of=datetime(2024, 12, 31)
    )
    ret = r.retention
    # Retention within 90 days: A handled 100, 100; not: u1 left on day 30 -> 0, u2 left on
    # day 152 -> retained 100. B handled 100; not: u3, u4 left on day 45 -> 0, 0.
    # Differences A 100 - 50 = 50, B 100 - 0 = 100; weights by handled 2/3, 1/3.
    assert ret.difference == pytest.approx(2 / 3 * 50 + 1 / 3 * 100)
    assert (ret.handled, ret.not_handled) == (pytest.approx(100), pytest.approx(100 / 3))
    # var = (2/3)^2 (0/2 + 5000/2) + (1/3)^2 (0 + 0) = 1111.1; se = 33.33
    half = 1.959964 * math.sqrt(4 / 9 * 2500)
    assert (ret.low, ret.high) == (
        pytest.approx(200 / 3 - half, rel=1e-5),
        pytest.approx(200 / 3 + half, rel=1e-5),
    )
    assert (ret.n_handled, ret.n_not_handled, ret.strata, ret.strata_dropped) == (3, 4, 2, 1)
    assert not ret.reliable
    nxt = r.next_score
    # Next score in % of the 0-10 scale. A: handled 90, 70 (mean 80, var 200); not: u1 30
    # (u2 never answered again). B: handled 100; not 50, 60 (mean 55, var 50).
    assert nxt.difference == pytest.approx(2 / 3 * 50 + 1 / 3 * 45)
    assert (nxt.handled, nxt.not_handled) == (pytest.approx(260 / 3), pytest.approx(115 / 3))
    se = math.sqrt(4 / 9 * (200 / 2 + 0) + 1 / 9 * (0 + 50 / 2))
    assert nxt.high - nxt.difference == pytest.approx(1.959964 * se, rel=1e-5)
    assert (nxt.n_handled, nxt.n_not_handled) == (3, 3)
    json.dumps(r.as_dict())


def test_young_cases_have_no_retention_yet(outcome_data):
    cases, customers, responses = outcome_data
    r = reaction_outcome(
        cases, customers=customers, responses=responses, as_of=T0 + timedelta(days=30)
    )
    assert r.retention.n_handled == 0 and math.isnan(r.retention.difference)
    assert "90 days" in r.notes[0]
    assert r.next_score.n_handled == 3  # next scores are there already


def test_matched_difference_drops_strata_missing_a_side():
    df = pd.DataFrame(
        {
            "segment": ["a", "a", "b"],
            "band": ["x", "x", "x"],
            "handled": [True, False, True],
            "y": [1.0, 0.0, 1.0],
        }
    )
    c = matched_difference(df, outcome="y")
    assert (c.difference, c.strata, c.strata_dropped, c.low, c.high) == (1.0, 1, 1, 1.0, 1.0)
