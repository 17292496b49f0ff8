from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import ibis
from django.utils import timezone
from django.utils.translation import gettext as _

from cxray.analytics import scores
from cxray.analytics.headline import Headline, headline
from cxray.analytics.own_scale import own_scale_summary
from cxray.analytics.results import Score, ScoreChange
from cxray.analytics.rollup import score_rollup
from cxray.analytics.store import AnalyticsStore
from cxray.errors import InvalidInputError
from cxray.web.accounts.scope import Scope
from cxray.web.analytics_store import analytics
from cxray.web.dashboards.report_cache import cached_report
from cxray.web.workspaces.models import Workspace

SCOPED_FACTS = ("transactions", "interactions", "responses")


class ScopedStore:
    """A read-only view of the store that shows only what one membership's scope allows.

    Facts are filtered on their unit or employee; customers are those who had an interaction
    or a transaction inside the scope.
    """

    def __init__(self, store: AnalyticsStore, scope: Scope) -> None:
        self.store = store
        self.scope = scope
        self._employee_rows: dict[str, object] = {}

    def employee_rows(self, workspace: str):
        """Employees' answers as protected cells (minimum group size; see people.anonymity)."""
        from cxray.web.people.anonymity import protected_rows

        if workspace not in self._employee_rows:
            self._employee_rows[workspace] = protected_rows(self.store, workspace)
        return self._employee_rows[workspace]

    def table(self, name: str, workspace: str) -> ibis.Table:
        t = self.store.table(name, workspace)
        if name == "responses":  # employees' answers only as protected cells, for every scope
            from cxray.web.people.anonymity import with_protected

            t = with_protected(t, self.employee_rows(workspace))
        if self.scope.is_full:
            return t
        if name in SCOPED_FACTS:
            return self._filter(t)
        if name == "customers":
            seen = self._filter(self.store.table("interactions", workspace)).select("customer_id")
            paid = self._filter(self.store.table("transactions", workspace)).select("customer_id")
            return t.filter(t.customer_id.isin(seen.union(paid).customer_id))
        return t

    def answers(self, workspace: str) -> tuple[ibis.Table, str | None]:
        """The answers for score figures and their weight column: the rollup of counts where
        the engine keeps one (same figures, a fraction of the rows), else ``responses``."""
        roll = score_rollup(self.store, workspace)
        if roll is None:
            return self.table("responses", workspace), None
        from cxray.web.people.anonymity import with_protected_rollup

        roll = with_protected_rollup(roll, self.employee_rows(workspace))
        return (roll if self.scope.is_full else self._filter(roll)), "n"

    def _filter(self, t: ibis.Table) -> ibis.Table:
        if self.scope.unit_ids is not None:
            t = t.filter(t.unit_id.isin(list(self.scope.unit_ids)))
        if self.scope.employee_ids is not None:
            t = t.filter(t.employee_id.isin(list(self.scope.employee_ids)))
        return t


def home_headline(*, workspace: Workspace, scope: Scope, as_of: date) -> Headline:
    def compute() -> Headline:
        with analytics() as store:
            return headline(ScopedStore(store, scope), workspace.slug, as_of=as_of)

    return cached_report("headline", workspace=workspace, scope=scope, compute=compute, as_of=as_of)


REPORT_BY = {
    "day": None,
    "week": None,  # weeks start on Monday
    "month": None,
    "quarter": None,
    "touchpoint": "touchpoint_id",
    "unit": "unit_id",
    "employee": "employee_id",
    "channel": "channel",
    "language": "language",
    "segment": "segment",
    "stage": "stage",
}
METRICS = ("nps", "csat", "ces", "enps")


def score_report(
    *,
    workspace: Workspace,
    scope: Scope,
    metric: str = "nps",
    by: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> dict[object, Score]:
    """One score for the workspace, or one per group (``by`` from :data:`REPORT_BY`),
    over answers from ``start`` to ``end`` inclusive when given."""
    if metric not in METRICS:
        raise InvalidInputError(f"metric {metric!r} is not one of {', '.join(METRICS)}")
    if by is not None and by not in REPORT_BY:
        raise InvalidInputError(f"cannot break down by {by!r}; use one of {', '.join(REPORT_BY)}")
    return cached_report(
        "scores",
        workspace=workspace,
        scope=scope,
        compute=lambda: _score_report(workspace, scope, metric, by, start, end),
        metric=metric,
        by=by,
        start=start,
        end=end,
    )


def _score_report(
    workspace: Workspace,
    scope: Scope,
    metric: str,
    by: str | None,
    start: date | None,
    end: date | None,
) -> dict[object, Score]:
    with analytics() as store:
        scoped = ScopedStore(store, scope)
        t, weight = scoped.answers(workspace.slug)
        t = t.filter(t.metric == metric)
        if start is not None:
            t = t.filter(t.at >= start)
        if end is not None:
            t = t.filter(t.at < end + timedelta(days=1))
        if by is None:
            return {None: scores.score_of(metric, t, weight=weight)}
        if by in ("day", "week", "month", "quarter"):
            return dict(scores.score_trend(metric, t, freq=by, weight=weight))
        if by == "segment" and "segment" not in t.columns:
            c = scoped.table("customers", workspace.slug).select("customer_id", "segment")
            t = t.left_join(c, t.customer_id == c.customer_id)
        if by == "stage":
            tp = scoped.table("touchpoints", workspace.slug).select("touchpoint_id", "stage")
            t = t.left_join(tp, t.touchpoint_id == tp.touchpoint_id)
        return scores.score_by(metric, t, REPORT_BY[by], weight=weight)


@dataclass(frozen=True)
class HomeScores:
    csat: Score
    ces: Score
    nps_trend: dict[date, Score]


def home_scores(*, workspace: Workspace, scope: Scope, start: date, as_of: date) -> HomeScores:
    """CSAT and CES over the window and the monthly NPS trend, beside the headline."""

    def compute() -> HomeScores:
        with analytics() as store:
            t, weight = ScopedStore(store, scope).answers(workspace.slug)
            window = t.filter((t.at >= start) & (t.at < as_of + timedelta(days=1)))
            return HomeScores(
                csat=scores.score_of("csat", window, weight=weight),
                ces=scores.score_of("ces", window, weight=weight),
                nps_trend=dict(scores.score_trend("nps", window, freq="month", weight=weight)),
            )

    return cached_report(
        "home_scores", workspace=workspace, scope=scope, compute=compute, start=start, as_of=as_of
    )


def sparkline(trend: dict[date, Score], *, width: int = 220, height: int = 40) -> str:
    """SVG polyline points for a trend of scores (reliable months only), empty if < 2."""
    points = [(d, s.value) for d, s in trend.items() if s.n and s.reliable]
    if len(points) < 2:
        return ""
    values = [v for _, v in points]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / (len(points) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
        for i, (_, v) in enumerate(points)
    )


def group_labels(*, workspace: Workspace, by: str | None) -> dict[str, str]:
    """Readable names for the ids a breakdown is keyed by (touchpoints, units, employees)."""
    from cxray.web.journeys.models import Touchpoint
    from cxray.web.people.models import Employee, Unit

    model = {"touchpoint": Touchpoint, "unit": Unit, "employee": Employee}.get(by or "")
    if model is None:
        return {}
    return dict(model.objects.filter(workspace=workspace).values_list("code", "name"))


def own_scale_report(
    *, workspace: Workspace, scope: Scope, metric: str, by: str, start: date | None, end: date
) -> dict[str, dict]:
    """Per group: the mean deviation from respondents' own baselines (seed 001: a "5" means
    different things to different people), keyed like :func:`score_report`."""
    column = REPORT_BY.get(by)
    if column not in ("touchpoint_id", "unit_id", "employee_id", "channel"):
        return {}

    def compute() -> dict[str, dict]:
        with analytics() as store:
            t = ScopedStore(store, scope).table("responses", workspace.slug)
            t = t.filter((t.metric == metric) & t.customer_id.notnull())
            if start is not None:
                t = t.filter(t.at >= start)
            t = t.filter(t.at < end + timedelta(days=1))
            frame = own_scale_summary(t, by=column, metric=metric)
        return {str(r[column]): r for r in frame.to_dict("records") if r["n"]}

    return cached_report(
        "own_scale",
        workspace=workspace,
        scope=scope,
        compute=compute,
        metric=metric,
        by=by,
        start=start,
        end=end,
    )


OWN_SCALE_BY = ("touchpoint", "unit", "employee", "channel")


def own_scale_rows(
    *, workspace: Workspace, scope: Scope, metric: str, by: str, days: int
) -> list[dict]:
    """:func:`own_scale_report` over the last ``days`` days (0: every answer) as plain rows for
    the API and the CLI: ``group``, ``n_answers``, ``mean_score``, ``n`` (answers with a
    baseline of the respondent's other answers), ``mean_deviation``, ``low``, ``high``."""
    if metric not in METRICS:
        raise InvalidInputError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    if by not in OWN_SCALE_BY:
        raise InvalidInputError(f"by must be one of {', '.join(OWN_SCALE_BY)}, not {by!r}")
    if days < 0:
        raise InvalidInputError(f"days must be 0 (every answer) or more, not {days}")
    end = timezone.localdate()
    start = end - timedelta(days=days) if days else None
    report = own_scale_report(
        workspace=workspace, scope=scope, metric=metric, by=by, start=start, end=end
    )
    return [
        {
            "group": group,
            "n_answers": int(row["n_answers"]),
            "mean_score": _number(row["mean_score"]),
            "n": int(row["n"]),
            "mean_deviation": _number(row["mean_deviation"]),
            "low": _number(row["low"]),
            "high": _number(row["high"]),
        }
        for group, row in report.items()
    ]


def _number(value: object) -> float | None:
    """A JSON number: NaN (no interval from one answer) becomes None."""
    number = float(value)  # type: ignore[arg-type]
    return None if number != number else round(number, 4)


# --- the change between two periods the user chooses ----------------------------------------
Period = tuple[date, date]  # first and last day, both included
# A trend step cannot split two periods into groups: the periods themselves are the steps.
CHANGE_BY = tuple(b for b in REPORT_BY if b not in ("day", "week", "month", "quarter"))


def parse_day(field: str, value: str) -> date:
    """A YYYY-MM-DD day from a form, a query or an option; the message names ``field``."""
    text = (value or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(
            _('%(field)s "%(value)s" is not a date; write it as YYYY-MM-DD, e.g. 2026-01-31')
            % {"field": field, "value": text}
        ) from None


def parse_period(field: str, value: str) -> Period:
    """``FROM:TO`` (two YYYY-MM-DD days, both included), as the CLI takes a period."""
    first, colon, last = (value or "").strip().partition(":")
    if not colon:
        raise InvalidInputError(
            _(
                '%(field)s "%(value)s" is not a period; write it as FROM:TO, '
                "e.g. 2026-01-01:2026-03-31"
            )
            % {"field": field, "value": value}
        )
    return parse_day(field, first), parse_day(field, last)


def check_periods(before: Period, after: Period) -> None:
    """Two periods a change can be measured between: each in order, ``before`` wholly
    earlier than ``after``. An answer in both would be compared with itself, and the test
    assumes two independent samples."""
    for message, (start, end) in (
        (_("the before period starts on %(start)s, after its last day %(end)s"), before),
        (_("the after period starts on %(start)s, after its last day %(end)s"), after),
    ):
        if start > end:
            raise InvalidInputError(
                message % {"start": start.isoformat(), "end": end.isoformat()}
                + "; "
                + _("swap the two dates")
            )
    if before[0] <= after[1] and after[0] <= before[1]:
        raise InvalidInputError(
            _(
                "the before and after periods overlap from %(start)s to %(end)s; an answer can "
                "count in one period only, so end the before period before the after period starts"
            )
            % {
                "start": max(before[0], after[0]).isoformat(),
                "end": min(before[1], after[1]).isoformat(),
            }
        )
    if after[1] < before[0]:
        raise InvalidInputError(
            _("the after period (%(after)s) comes before the before period (%(before)s); swap them")
            % {"after": _period_text(after), "before": _period_text(before)}
        )


def _period_text(period: Period) -> str:
    return f"{period[0].isoformat()}:{period[1].isoformat()}"


def score_change_report(
    *,
    workspace: Workspace,
    scope: Scope,
    metric: str = "nps",
    before: Period,
    after: Period,
    by: str | None = None,
) -> dict[object, ScoreChange]:
    """The change of a score from ``before`` to ``after`` (days included), overall or per
    group (``by`` from :data:`CHANGE_BY`), with the interval of the difference and the
    p-value of :func:`cxray.analytics.scores.compare`. A group with answers in one period
    only is kept, its change undefined (NaN) and not significant."""
    if metric not in METRICS:
        raise InvalidInputError(
            _("metric %(metric)s is not one of %(metrics)s")
            % {"metric": repr(metric), "metrics": ", ".join(METRICS)}
        )
    if by is not None and by not in CHANGE_BY:
        raise InvalidInputError(
            _("cannot compare periods by %(by)s; use one of %(choices)s")
            % {"by": repr(by), "choices": ", ".join(CHANGE_BY)}
        )
    check_periods(before, after)
    # The last representable day has no next day to end the filter at; no answer is dated there.
    last = date.max - timedelta(days=1)
    first, second = (
        score_report(
            workspace=workspace,
            scope=scope,
            metric=metric,
            by=by,
            start=start,
            end=min(end, last),
        )
        for start, end in (before, after)
    )
    none = Score(math.nan, math.nan, math.nan, 0, metric)
    keys = sorted(set(first) | set(second), key=lambda k: (k is None, str(k)))
    return {k: scores.compare(first.get(k, none), second.get(k, none)) for k in keys}


def score_change_dict(
    *,
    workspace: Workspace,
    scope: Scope,
    metric: str = "nps",
    before: Period,
    after: Period,
    by: str | None = None,
) -> dict:
    """:func:`score_change_report` as plain data for the API and the CLI: the periods and,
    per group (``group`` None: everyone), each period's score with its n and the min-n flag,
    the difference with its 95% interval, the p-value and whether the change is significant."""
    report = score_change_report(
        workspace=workspace, scope=scope, metric=metric, before=before, after=after, by=by
    )
    alpha = next(iter(report.values())).alpha if report else 0.05
    return {
        "metric": metric,
        "by": by,
        "before": {"start": before[0], "end": before[1]},
        "after": {"start": after[0], "end": after[1]},
        "alpha": alpha,
        "rows": [_change_row(group, c) for group, c in report.items()],
    }


def _change_row(group: object, c: ScoreChange) -> dict:
    return {
        "group": None if group is None else str(group),
        "before": _side(c.before),
        "after": _side(c.after),
        "difference": _number(c.difference),
        "low": _number(c.low),
        "high": _number(c.high),
        # Not rounded: a p-value of 1e-6 must not read as 0.
        "p_value": None if math.isnan(c.p_value) else c.p_value,
        "significant": c.significant,
        "reliable": c.before.reliable and c.after.reliable,
        "min_n": c.before.min_n,
    }


def _side(s: Score) -> dict:
    return {
        "value": _number(s.value),
        "low": _number(s.low),
        "high": _number(s.high),
        "n": s.n,
        "reliable": s.reliable,
    }
