"""What the map says beyond single touchpoints: seams between units and the weekly load of
communications against the contact policy.

- **Seams** (seed 001: churn forms where one unit hands the customer to another): two
  consecutive steps, in journey order, whose owner units differ. Across each seam the
  share of top answers (promoters, satisfied, low effort: comparable whatever the metric)
  is compared with :func:`cxray.analytics.scores.compare`: a difference in points with its
  interval and p-value. Two alternative steps side by side are no hand-off (one customer
  takes one of them).
- **Communication load**: every message is placed on the journey's timeline (its step's
  ``day`` plus the message's ``timing``) and counted per week of the journey, in total and
  per channel. A week is overloaded when it has more messages than the limit per week;
  survey invitations are checked against the contact policy too (at most ``survey_cap``
  a journey, at least ``survey_min_days`` apart). Of alternative steps (``alternative_to``:
  one customer takes one of them) only the heaviest counts: the one with the most
  messages, then the most survey invitations, then the first in journey order.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cxray.analytics.journey_figures import TouchpointFigures
from cxray.analytics.results import ScoreChange
from cxray.analytics.scores import compare, proportion
from cxray.journey.model import Journey, Step, timing_days

DEFAULT_MESSAGES_PER_WEEK = 3


@dataclass(frozen=True)
class Seam:
    before: str  # step keys
    after: str
    from_owner: str
    to_owner: str
    change: ScoreChange | None  # top-box share after minus before, in points

    def as_dict(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "after": self.after,
            "from_owner": self.from_owner,
            "to_owner": self.to_owner,
            "change": self.change.as_dict() if self.change else None,
        }


def seams(
    journey: Journey,
    figures: dict[str, TouchpointFigures],
    owners: dict[str, str] | None = None,
) -> list[Seam]:
    """Hand-offs between units along the journey. A step's owner is its own ``owner``, else
    the owner of its touchpoint in ``owners`` (touchpoint code -> unit code); steps without
    an owner are skipped over."""
    owners = owners or {}
    steps = [(s, _owner(s, owners)) for _, s in journey.steps()]
    steps = [(s, o) for s, o in steps if o]
    group = {k: i for i, g in enumerate(journey.alternatives()) for k in g}
    out = []
    for (a, oa), (b, ob) in itertools.pairwise(steps):
        if oa == ob:
            continue
        if a.key in group and group[a.key] == group.get(b.key):
            continue  # alternatives: no customer goes from one to the other
        out.append(
            Seam(
                a.key, b.key, oa, ob, _change(figures.get(a.touchpoint), figures.get(b.touchpoint))
            )
        )
    return out


def _owner(step: Step, owners: dict[str, str]) -> str:
    return step.owner or owners.get(step.touchpoint, "")


def _change(a: TouchpointFigures | None, b: TouchpointFigures | None) -> ScoreChange | None:
    pa, pb = (a.primary if a else None), (b.primary if b else None)
    if pa is None or pb is None:
        return None
    before = proportion(pa.top, pa.n, metric="top_share", min_n=pa.min_n)
    after = proportion(pb.top, pb.n, metric="top_share", min_n=pb.min_n)
    return compare(before, after)


@dataclass(frozen=True)
class WeekLoad:
    week: int  # 0 = the journey's first week
    total: int
    by_channel: dict[str, int]
    overloaded: bool


@dataclass(frozen=True)
class CommunicationLoad:
    limit_per_week: int
    weeks: list[WeekLoad]
    channels: list[str]
    surveys: int
    survey_cap: int
    survey_min_days: int
    surveys_too_close: list[tuple[str, str, float]] = field(default_factory=list)
    # Steps left out of the count: a heavier alternative of theirs counts instead.
    alternatives_skipped: list[str] = field(default_factory=list)

    @property
    def overloaded_weeks(self) -> list[int]:
        return [w.week for w in self.weeks if w.overloaded]

    @property
    def over_survey_cap(self) -> bool:
        return self.surveys > self.survey_cap

    @property
    def overloaded(self) -> bool:
        return bool(self.overloaded_weeks or self.over_survey_cap or self.surveys_too_close)

    def as_dict(self) -> dict[str, Any]:
        return {
            "limit_per_week": self.limit_per_week,
            "weeks": [
                {
                    "week": w.week,
                    "total": w.total,
                    "by_channel": w.by_channel,
                    "overloaded": w.overloaded,
                }
                for w in self.weeks
            ],
            "channels": self.channels,
            "surveys": self.surveys,
            "survey_cap": self.survey_cap,
            "survey_min_days": self.survey_min_days,
            "surveys_too_close": [list(t) for t in self.surveys_too_close],
            "alternatives_skipped": self.alternatives_skipped,
            "overloaded": self.overloaded,
        }


def lighter_alternatives(journey: Journey) -> list[str]:
    """The keys of alternative steps whose messages do not count, in journey order: all of
    each group of alternatives but its heaviest (most messages, then most survey
    invitations, then the first)."""
    steps = {s.key: s for _, s in journey.steps()}
    out: list[str] = []
    for group in journey.alternatives():

        def weight(key: str) -> tuple[int, int]:
            comms = steps[key].communications
            return len(comms), sum(c.survey for c in comms)

        heaviest = max(group, key=weight)  # max keeps the first of equals
        out += [k for k in group if k != heaviest]
    order = list(steps)
    return sorted(out, key=order.index)


def communication_load(
    journey: Journey,
    *,
    limit_per_week: int | None = None,
    survey_cap: int = 4,
    survey_min_days: int = 30,
) -> CommunicationLoad:
    """Messages per customer per week along the journey (see the module docstring).
    ``limit_per_week`` defaults to the journey's ``messages_per_week``, else 3."""
    limit = limit_per_week or journey.messages_per_week or DEFAULT_MESSAGES_PER_WEEK
    days = journey.step_days()
    lighter = lighter_alternatives(journey)
    skipped = set(lighter)
    placed: list[tuple[float, str, bool, str]] = []  # (day, channel, survey, step key)
    for _, step in journey.steps():
        if step.key in skipped:
            continue
        for c in step.communications:
            day = days[step.key] + timing_days(c.timing)
            placed.append((day, c.channel or step.channel or "—", c.survey, step.key))
    placed.sort(key=lambda p: p[0])
    counts: dict[int, Counter[str]] = {}
    for day, channel, _, _ in placed:
        counts.setdefault(math.floor(day / 7), Counter())[channel] += 1
    weeks = []
    if counts:
        for week in range(min(counts), max(counts) + 1):
            c = counts.get(week, Counter())
            total = sum(c.values())
            weeks.append(WeekLoad(week, total, dict(sorted(c.items())), total > limit))
    surveys = [p for p in placed if p[2]]
    close = [
        (a[3], b[3], b[0] - a[0])
        for a, b in itertools.pairwise(surveys)
        if b[0] - a[0] < survey_min_days
    ]
    return CommunicationLoad(
        limit_per_week=limit,
        alternatives_skipped=lighter,
        weeks=weeks,
        channels=sorted({p[1] for p in placed}),
        surveys=len(surveys),
        survey_cap=survey_cap,
        survey_min_days=survey_min_days,
        surveys_too_close=close,
    )
