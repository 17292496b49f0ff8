"""The "Reaction" section of the cases page: how fast, and whether reacting keeps customers."""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from cxray.web.cases.selectors import reaction_report


def _num(x: float | None, digits: int = 1) -> float | int | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(x) if digits == 0 else round(x, digits)


def reaction_context(request: HttpRequest) -> dict[str, Any]:
    times, outcome = reaction_report(
        workspace=request.workspace,
        scope=request.scope,
        user_id=request.user.pk,
        now=timezone.now(),
    )
    w = times.within_deadline
    ctx: dict[str, Any] = {
        "reaction": times,
        "first_median": _num(times.first_reaction.median_h),
        "first_p90": _num(times.first_reaction.p90_h),
        "close_median": _num(times.closure.median_h),
        "close_p90": _num(times.closure.p90_h),
        "within": _num(w.value, 0),
        "within_low": _num(w.low, 0),
        "within_high": _num(w.high, 0),
        "outcome": None,
    }
    if outcome is not None:
        ctx["outcome"] = [
            {
                "label": label,
                "c": c,
                "handled": _num(c.handled),
                "not_handled": _num(c.not_handled),
                "difference": _num(c.difference),
                "low": _num(c.low),
                "high": _num(c.high),
            }
            for label, c in (("retention", outcome.retention), ("next_score", outcome.next_score))
        ]
        ctx["horizon_days"] = outcome.horizon_days
    return ctx
