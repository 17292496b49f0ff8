"""Seams between units and the communication load, on small hand-made journeys."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from cxray.analytics.journey_figures import TouchpointFigures
from cxray.analytics.journey_map import communication_load, seams
from cxray.analytics.results import Score
from cxray.journey.model import Communication, Journey, Stage, Step


def _journey(**kw) -> Journey:
    steps = (
        Step("a", "A", touchpoint="tp_a", owner="CALL", day=0,
             communications=(Communication("sms 1", "sms"),
                             Communication("sms 2", "sms", timing="+1d"),
                             Communication("ask", "email", timing="+2d", survey=True))),
        Step("b", "B", touchpoint="tp_b", day=3,
             communications=(Communication("reminder", "sms", timing="-1d"),
                             Communication("ask again", "sms", timing="+1d", survey=True))),
        Step("c", "C", touchpoint="tp_c", owner="CLINIC", day=20,
             communications=(Communication("call", "phone"),)),
    )  # fmt: skip
    return Journey("j", "J", stages=(Stage("S", steps),), **kw)


def _fig(code: str, top: int, n: int) -> TouchpointFigures:
    return TouchpointFigures(code, reach=n, scores={"csat": Score(0, 0, 0, n, "csat", 30, top)})


def test_seams_flag_changes_of_owner_with_the_change_of_top_share():
    figures = {"tp_a": _fig("tp_a", 30, 60), "tp_b": _fig("tp_b", 45, 60)}
    found = seams(_journey(), figures, owners={"tp_b": "CLINIC"})
    # a (CALL) -> b (CLINIC, from its touchpoint): a seam; b -> c both CLINIC: none.
    assert [(s.before, s.after, s.from_owner, s.to_owner) for s in found] == [
        ("a", "b", "CALL", "CLINIC")
    ]
    change = found[0].change
    # 30/60 = 50 % -> 45/60 = 75 %: +25 points; unpooled se = sqrt(.5*.5/60 + .75*.25/60).
    assert change.difference == pytest.approx(25.0)
    se = 100 * math.sqrt(0.25 / 60 + 0.1875 / 60)
    assert change.high - change.difference == pytest.approx(1.959964 * se, rel=1e-4)


def test_seam_without_figures_has_no_change():
    found = seams(_journey(), {}, owners={"tp_b": "CLINIC"})
    assert found[0].change is None


def test_communication_load_per_week_and_channel_against_the_policy():
    load = communication_load(_journey(), limit_per_week=3, survey_cap=1, survey_min_days=30)
    # days: a 0, 1, 2 (survey); b 2, 4 (survey); c 20 -> week 0: 5 messages, week 2: 1.
    assert [(w.week, w.total) for w in load.weeks] == [(0, 5), (1, 0), (2, 1)]
    assert load.weeks[0].by_channel == {"email": 1, "sms": 4}
    assert load.overloaded_weeks == [0]
    assert load.surveys == 2 and load.over_survey_cap
    assert load.surveys_too_close == [("a", "b", 2.0)]


def test_limit_comes_from_the_journey_then_the_default():
    assert communication_load(_journey(messages_per_week=5)).overloaded_weeks == []
    assert communication_load(_journey()).limit_per_week == 3


def _booking(call_messages: int = 2) -> Journey:
    """Booking by phone or online (alternatives), then the visit."""
    call = tuple(
        Communication(f"call {i}", "sms", timing="+1h", survey=i == 0) for i in range(call_messages)
    )
    steps = (
        Step("call", "Call", owner="CALL", day=0, communications=call),
        Step("online", "Online", alternative_to="call", owner="WEB", day=0,
             communications=(Communication("booked", "email"),
                             Communication("reminder", "email", timing="+1d"),
                             Communication("tip", "email", timing="+2d"))),
        Step("visit", "Visit", owner="CLINIC", day=3,
             communications=(Communication("tomorrow", "sms", timing="-1d"),
                             Communication("how was it", "sms", timing="+1d", survey=True))),
    )  # fmt: skip
    return Journey("b", "B", stages=(Stage("S", steps),))


def test_only_the_heaviest_alternative_counts_in_the_load():
    load = communication_load(_booking(), limit_per_week=4, survey_cap=4, survey_min_days=30)
    # online (3 emails) outweighs call (2 sms): week 0 = 3 emails + visit's 2 sms = 5, not
    # 7; the call's survey is not counted either, so one survey (the visit's).
    assert load.alternatives_skipped == ["call"]
    assert [(w.week, w.total) for w in load.weeks] == [(0, 5)]
    assert load.weeks[0].by_channel == {"email": 3, "sms": 2}
    assert load.overloaded_weeks == [0] and load.surveys == 1
    assert load.as_dict()["alternatives_skipped"] == ["call"]


def test_alternatives_of_equal_weight_keep_the_one_with_more_surveys_then_the_first():
    # call with 3 sms (one survey) against online's 3 emails (none): call counts.
    load = communication_load(_booking(call_messages=3), limit_per_week=6)
    assert load.alternatives_skipped == ["online"]
    assert load.weeks[0].by_channel == {"sms": 5} and load.surveys == 2
    # Without the survey on either side, the first in journey order (call) is kept.
    j = _booking(call_messages=3)
    plain = tuple(replace(c, survey=False) for c in j.step("call").communications)
    j = j.with_step(replace(j.step("call"), communications=plain))
    assert communication_load(j).alternatives_skipped == ["online"]


def test_no_seam_between_alternatives():
    found = seams(_booking(), {})
    # call (CALL) / online (WEB) are alternatives, not a hand-off; online -> visit is one.
    assert [(s.before, s.after) for s in found] == [("online", "visit")]
