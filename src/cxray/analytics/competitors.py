"""The company's own scores beside customers' ratings of competitors and of "the best
experience you had anywhere", per touchpoint (seed 001, pitfall 8).

Own ratings are the ``responses`` table; ratings of other subjects are the
``benchmark_ratings`` table (``subject`` = a competitor's name or ``best_anywhere``; rows
with subject ``own`` count as own ratings, so one survey export can hold all three).
Each comparison is the difference *own minus other* with its interval and p-value from
:func:`cxray.analytics.scores.compare` (two independent samples: for NPS the unpooled
multinomial variance, for CSAT two proportions, for CES Welch's t).

A touchpoint of ``None`` is the whole workspace: every own answer of the metric against
every rating of that subject, whatever the touchpoint (ratings with no touchpoint count
only there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis

from cxray.analytics.results import Score, ScoreChange
from cxray.analytics.scores import compare, score_by, score_of
from cxray.analytics.tables import as_table

if TYPE_CHECKING:
    from cxray.analytics.scores import TableLike

OWN = "own"
BEST_ANYWHERE = "best_anywhere"
_COLS = ("touchpoint_id", "metric", "score")


@dataclass(frozen=True, slots=True)
class SubjectComparison:
    touchpoint: str | None  # None: all touchpoints
    subject: str
    own: Score
    other: Score
    gap: ScoreChange  # difference = own - other

    def as_dict(self) -> dict[str, Any]:
        return {
            "touchpoint": self.touchpoint,
            "subject": self.subject,
            "own": self.own.as_dict(),
            "other": self.other.as_dict(),
            "difference": self.gap.as_dict()["difference"],
            "low": self.gap.as_dict()["low"],
            "high": self.gap.as_dict()["high"],
            "p_value": self.gap.as_dict()["p_value"],
            "significant": self.gap.significant,
        }


def competitor_comparison(
    responses: TableLike,
    benchmarks: TableLike,
    *,
    metric: str = "nps",
    min_n: int = 30,
) -> list[SubjectComparison]:
    """Own score against each other subject, overall first, then per touchpoint.

    Only touchpoints and subjects that have ratings of ``metric`` appear; the own side of a
    pair may have n = 0 (its figures are then NaN).
    """
    bench = as_table(benchmarks)
    bench = bench.filter(bench.metric == metric)
    own = _own(as_table(responses), bench, metric)
    others = bench.filter(bench.subject.notnull() & (bench.subject != OWN))
    options: dict[str, Any] = {"min_n": min_n}
    out = []
    overall_own = score_of(metric, own, **options)
    by_subject = score_by(metric, others, "subject", **options)
    for subject, other in by_subject.items():
        out.append(_pair(None, subject, overall_own, other))
    own_by_tp = score_by(metric, own, "touchpoint_id", **options)
    empty = score_of(metric, own.filter(ibis.literal(False)), **options)
    on_touchpoints = others.filter(others.touchpoint_id.notnull())
    for (tp, subject), other in score_by(
        metric, on_touchpoints, ["touchpoint_id", "subject"], **options
    ).items():
        out.append(_pair(tp, subject, own_by_tp.get(tp, empty), other))
    order = {s: i for i, s in enumerate(_subject_order(list(by_subject)))}
    return sorted(
        out, key=lambda c: (c.touchpoint is not None, c.touchpoint or "", order[c.subject])
    )


def _own(responses: ibis.Table, bench: ibis.Table, metric: str) -> ibis.Table:
    r = responses.filter(responses.metric == metric).select(
        touchpoint_id=responses.touchpoint_id.cast("string"),
        metric=responses.metric.cast("string"),
        score=responses.score.cast("float64"),
    )
    b = bench.filter(bench.subject == OWN).select(
        touchpoint_id=bench.touchpoint_id.cast("string"),
        metric=bench.metric.cast("string"),
        score=bench.score.cast("float64"),
    )
    return r.union(b)


def _pair(tp: str | None, subject: str, own: Score, other: Score) -> SubjectComparison:
    return SubjectComparison(tp, subject, own, other, compare(other, own))


def _subject_order(subjects: list[str]) -> list[str]:
    """Competitors by name, "the best anywhere" last (it is the bar, not a rival)."""
    return sorted(subjects, key=lambda s: (s == BEST_ANYWHERE, s.lower()))
