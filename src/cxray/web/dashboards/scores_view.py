"""The scores page: a trend with its interval band and a breakdown, every filter in the URL."""

from __future__ import annotations

import csv
import math
from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxray.analytics.results import Score, ScoreChange
from cxray.errors import InvalidInputError
from cxray.web.dashboards.charts import Point, bars_svg, trend_svg
from cxray.web.dashboards.selectors import (
    METRICS,
    group_labels,
    own_scale_report,
    parse_day,
    score_change_report,
    score_report,
)
from cxray.web.exports import XLSX_CONTENT_TYPE, xlsx_bytes
from cxray.web.workspaces.decorators import workspace_view
from cxray.web.workspaces.export import neutralise

PERIODS = {"3m": 92, "12m": 366, "24m": 731, "all": None}
# The trend's step and how its points are labelled.
STEPS = {"day": "%d.%m", "week": "%d.%m", "month": "%m.%y", "quarter": "%m.%y"}
BREAKDOWNS = [
    ("touchpoint", _("touchpoint")),
    ("unit", _("unit")),
    ("segment", _("segment")),
    ("employee", _("employee")),
    ("stage", _("journey stage")),
    ("channel", _("channel")),
    ("language", _("language")),
]


def _choice(value: str | None, allowed: list[str], default: str) -> str:
    return value if value in allowed else default


def _points(result: dict[object, Score], labels: dict[str, str]) -> list[tuple[str, Point]]:
    """(group key, chart point) for every group with answers, best first."""
    points = [
        (
            str(k),
            Point(
                label=labels.get(str(k), str(k)) if k is not None else "—",
                value=s.value,
                low=s.low,
                high=s.high,
                n=s.n,
                reliable=s.reliable,
            ),
        )
        for k, s in result.items()
        if s.n
    ]
    return sorted(points, key=lambda kp: -kp[1].value)


@workspace_view()
def scores(request: HttpRequest) -> HttpResponse:
    metric = _choice(request.GET.get("metric"), list(METRICS), "nps")
    by = _choice(request.GET.get("by"), [b for b, _ in BREAKDOWNS], "unit")
    period = _choice(request.GET.get("period"), list(PERIODS), "12m")
    step = _choice(request.GET.get("step"), list(STEPS), "month")
    end = timezone.localdate()
    days = PERIODS[period]
    start: date | None = end - timedelta(days=days) if days else None
    common = {
        "workspace": request.workspace,
        "scope": request.scope,
        "metric": metric,
        "start": start,
        "end": end,
    }
    breakdown = score_report(by=by, **common)
    labels = group_labels(workspace=request.workspace, by=by)
    if request.GET.get("format") in ("csv", "xlsx"):
        return _table_export(request, request.GET["format"], metric, by, breakdown, labels)
    trend = score_report(by=step, **common)
    total = score_report(**common)[None]
    unit = "" if metric in ("nps", "enps", "ces") else "%"
    ordered = _points(breakdown, labels)
    own = own_scale_report(by=by, **common)
    change = _comparison(request, metric, by, labels)
    return render(
        request,
        "dashboards/scores.html",
        {
            **change,
            "metric": metric,
            "by": by,
            "period": period,
            "metrics": METRICS,
            "breakdowns": BREAKDOWNS,
            "periods": list(PERIODS),
            "step": step,
            "steps": list(STEPS),
            "total": total,
            "trend_svg": trend_svg(
                [
                    Point(
                        label=d.strftime(STEPS[step]),
                        value=s.value,
                        low=s.low,
                        high=s.high,
                        n=s.n,
                        reliable=s.reliable,
                    )
                    for d, s in trend.items()
                    if s.n
                ],
                unit=unit,
            ),
            "bars_svg": bars_svg([p for _, p in ordered], unit=unit),
            "rows": [(p, own.get(key)) for key, p in ordered],
            "has_own_scale": bool(own),
            "query": request.GET.urlencode(),
        },
        status=400 if change["change_error"] else 200,
    )


# The "compare two periods" form: its fields, and how each is named in an error message.
CHANGE_FIELDS = {
    "before_from": _("before: from"),
    "before_to": _("before: to"),
    "after_from": _("after: from"),
    "after_to": _("after: to"),
}


def _comparison(request: HttpRequest, metric: str, by: str, labels: dict[str, str]) -> dict:
    """The change between the two periods of the form, everyone first and then each group of
    the breakdown; nothing until a date is given, the problem in words when they are wrong."""
    dates = {f: request.GET.get(f, "").strip() for f in CHANGE_FIELDS}
    context: dict = {"change_dates": dates, "change_rows": [], "change_error": ""}
    if not any(dates.values()):
        return context
    try:
        day = {f: parse_day(str(name), dates[f]) for f, name in CHANGE_FIELDS.items()}
        periods = {
            "before": (day["before_from"], day["before_to"]),
            "after": (day["after_from"], day["after_to"]),
        }
        args = {"workspace": request.workspace, "scope": request.scope, "metric": metric}
        overall = score_change_report(**args, **periods)
        groups = score_change_report(**args, **periods, by=by)
    except InvalidInputError as exc:
        context["change_error"] = str(exc)
        return context
    named = [(str(_("everyone")), c) for c in overall.values()] + [
        (labels.get(str(k), str(k)) if k is not None else "—", c) for k, c in groups.items()
    ]
    context["change_rows"] = [_change_row(label, c) for label, c in named]
    return context


def _change_row(label: str, c: ScoreChange) -> dict:
    if math.isnan(c.difference):
        verdict = _("no answers in one of the periods")
    else:
        verdict = _("significant change") if c.significant else _("could be chance")
    p = c.p_value
    return {
        "label": label,
        "change": c,
        "defined": not math.isnan(c.difference),
        "has_interval": not math.isnan(c.low),
        "p_text": "" if math.isnan(p) else "< 0.001" if p < 0.001 else f"{p:.3f}",
        "verdict": verdict,
        "reliable": c.before.reliable and c.after.reliable,
    }


def _table_export(
    request: HttpRequest, fmt: str, metric: str, by: str, result: dict, labels: dict
) -> HttpResponse:
    header = [by, "name", metric, "low_95", "high_95", "n", "reliable"]
    rows = [
        [
            neutralise(str(key)),
            neutralise(labels.get(str(key), "") if key is not None else ""),
            round(s.value, 2),
            round(s.low, 2),
            round(s.high, 2),
            s.n,
            s.reliable,
        ]
        for key, s in result.items()
    ]
    name = f"{request.workspace.slug}-{metric}-by-{by}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(
            xlsx_bytes([(f"{metric} by {by}", [header, *rows])]), content_type=XLSX_CONTENT_TYPE
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(header)
        writer.writerows(rows)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
