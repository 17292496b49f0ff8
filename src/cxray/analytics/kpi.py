"""KPI transparency: one unit's or one employee's figures and the feedback behind them.

The figures are computed here from customers' answers, never typed in, so nobody judged by a
KPI computes or edits it. The same answers are shown next to the figure: those that say what
helped, and those that say what to prevent next time.

Window: the last ``days`` days up to ``as_of`` (included), against the ``days`` before.
A figure on fewer than ``min_n`` answers is returned but marked unreliable (``Score.reliable``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import ibis

from cxray.analytics.results import Score, ScoreChange
from cxray.analytics.scores import compare, score_of
from cxray.errors import InvalidInputError

CUSTOMER_METRICS = ("nps", "csat", "ces")
# (top from, bottom up to) per metric, as in cxray.analytics.scores.
_BUCKETS = {"nps": (9, 6), "csat": (4, 2), "ces": (5, 3)}


class Source(Protocol):
    def table(self, name: str, workspace: str) -> ibis.Table: ...


@dataclass(frozen=True)
class Kpi:
    metric: str
    current: Score
    previous: Score
    change: ScoreChange

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, **self.change.as_dict()}


@dataclass(frozen=True)
class FeedbackItem:
    key: str
    at: datetime
    metric: str
    score: float
    text: str
    touchpoint: str | None
    employee: str | None
    unit: str | None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = self.at.isoformat()
        return d


@dataclass(frozen=True)
class SubjectKpis:
    as_of: date
    days: int
    kpis: list[Kpi]
    helped: list[FeedbackItem]  # top answers with a comment, newest first
    to_prevent: list[FeedbackItem]  # bottom answers with a comment, newest first

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "days": self.days,
            "kpis": [k.as_dict() for k in self.kpis],
            "helped": [f.as_dict() for f in self.helped],
            "to_prevent": [f.as_dict() for f in self.to_prevent],
        }


def _midnight(d: date) -> ibis.Value:
    return ibis.literal(datetime(d.year, d.month, d.day), type="timestamp")


def _answers(
    source: Source, workspace: str, *, units: frozenset[str] | None, employee: str | None
) -> ibis.Table:
    if (units is None) == (employee is None):
        raise InvalidInputError("give units or one employee (one of them)")
    r = source.table("responses", workspace)
    r = r.filter(r.metric.isin(list(CUSTOMER_METRICS)) & r.score.notnull())
    if units is not None:
        return r.filter(r.unit_id.isin(list(units)))
    return r.filter(r.employee_id == employee)


def subject_kpis(
    source: Source,
    workspace: str,
    *,
    as_of: date,
    units: frozenset[str] | None = None,
    employee: str | None = None,
    days: int = 90,
    min_n: int = 30,
    limit: int = 5,
) -> SubjectKpis:
    """The customer metrics of a unit (with everything below it: pass the subtree's codes)
    or of one employee, this window against the one before, and the comments behind them."""
    r = _answers(source, workspace, units=units, employee=employee)
    # The window ends with the day ``as_of`` itself, so today's answers count.
    end = as_of + timedelta(days=1)
    mid, start = end - timedelta(days=days), end - timedelta(days=2 * days)
    now = r.filter((r.at >= _midnight(mid)) & (r.at < _midnight(end)))
    before = r.filter((r.at >= _midnight(start)) & (r.at < _midnight(mid)))
    present = set(
        now.union(before).select("metric").distinct().to_pyarrow().column("metric").to_pylist()
    )
    kpis = []
    for metric in CUSTOMER_METRICS:
        if metric not in present:
            continue
        cur = score_of(metric, now.filter(now.metric == metric), min_n=min_n)
        prev = score_of(metric, before.filter(before.metric == metric), min_n=min_n)
        kpis.append(Kpi(metric, cur, prev, compare(prev, cur)))
    helped, to_prevent = _feedback(source, workspace, now, limit)
    return SubjectKpis(as_of, days, kpis, helped, to_prevent)


def _feedback(
    source: Source, workspace: str, answers: ibis.Table, limit: int
) -> tuple[list[FeedbackItem], list[FeedbackItem]]:
    """Top and bottom answers with a comment; the masked text where it was analysed."""
    texts = source.table("response_texts", workspace)
    texts = texts.filter(texts.field == "comment").select(
        rk=texts.response_key, masked=texts.masked
    )
    a = answers.filter(answers.comment.notnull() & (answers.comment.strip().length() > 0))
    a = a.left_join(texts, a.row_key == texts.rk)
    top = ibis.cases(
        *[((a.metric == m) & (a.score >= t), True) for m, (t, _) in _BUCKETS.items()], else_=False
    )
    bottom = ibis.cases(
        *[((a.metric == m) & (a.score <= b), True) for m, (_, b) in _BUCKETS.items()], else_=False
    )
    out = []
    for flag in (top, bottom):
        rows = (
            a.filter(flag)
            .order_by([ibis.desc("at"), "row_key"])
            .limit(limit)
            .select(
                "row_key",
                "at",
                "metric",
                "score",
                "comment",
                "masked",
                "touchpoint_id",
                "employee_id",
                "unit_id",
            )
            .to_pyarrow()
            .to_pylist()
        )
        out.append(
            [
                FeedbackItem(
                    key=row["row_key"],
                    at=row["at"],
                    metric=row["metric"],
                    score=float(row["score"]),
                    text=row["masked"] or row["comment"],
                    touchpoint=row["touchpoint_id"],
                    employee=row["employee_id"],
                    unit=row["unit_id"],
                )
                for row in rows
            ]
        )
    return out[0], out[1]
