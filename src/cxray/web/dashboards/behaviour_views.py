"""Pages: "Who leaves, and what is it worth?" and "Why?" (drivers)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cxray.analytics.reports import SURVIVAL_DAYS
from cxray.errors import InsufficientDataError
from cxray.text.taxonomy import load_taxonomy
from cxray.web.dashboards import behaviour
from cxray.web.dashboards.charts import Point, bars_svg, histogram_svg, survival_svg
from cxray.web.dashboards.selectors import group_labels
from cxray.web.workspaces.decorators import workspace_view

OUTCOMES = ("nps", "churned", "themes")


@workspace_view()
def churn_money(request: HttpRequest) -> HttpResponse:
    as_of = timezone.localdate()
    context: dict = {"as_of": as_of, "problems": []}
    labels = group_labels(workspace=request.workspace, by="touchpoint")
    try:
        report = behaviour.churn(workspace=request.workspace, scope=request.scope, as_of=as_of)
    except InsufficientDataError as exc:
        context["problems"].append(str(exc))
    else:
        context["churn"] = report
        context["survival_svg"] = survival_svg(
            {str(k): (c.timeline, c.survival) for k, c in report.curves.items()}
        )
        context["survival_rows"] = [
            {
                "group": k,
                "n": int(c.at_risk[0]) if len(c.at_risk) else 0,
                "points": [
                    (float(s), float(lo), float(hi))
                    for s, lo, hi in zip(
                        c.survival_at(list(SURVIVAL_DAYS)),
                        *c.interval_at(list(SURVIVAL_DAYS)),
                        strict=True,
                    )
                ],
            }
            for k, c in report.curves.items()
        ]
        if report.cox is not None:
            context["cox_rows"] = [
                {"label": _covariate_label(h.name, labels), "hr": h}
                for h in report.cox.hazard_ratios
            ]
        context["predictive"] = [
            {"kind": kind, "group": labels.get(str(p.group), p.group), "r": p}
            for kind, results in (
                ("segment", report.predictive_by_segment),
                ("touchpoint", report.predictive_by_touchpoint),
            )
            for p in results
        ]
    try:
        clv, money = behaviour.clv_and_money(
            workspace=request.workspace, scope=request.scope, as_of=as_of
        )
    except InsufficientDataError as exc:
        context["problems"].append(str(exc))
    else:
        context.update(
            {
                "clv": clv,
                "clv_rows": clv.by_segment.to_dict("records"),
                "clv_svg": histogram_svg(
                    clv.per_customer["clv"].tolist(), unit=f" {request.workspace.currency}"
                ),
                "loyalty_rows": money.by_loyalty.to_dict("records"),
                "risk_touchpoint": [
                    {**r, "label": labels.get(str(r["touchpoint_id"]), r["touchpoint_id"])}
                    for r in money.at_risk_by_touchpoint.to_dict("records")
                ],
                "risk_segment": money.at_risk_by_segment.to_dict("records"),
                "detractor": money.cost_of_detractor,
            }
        )
    context["days"] = list(SURVIVAL_DAYS)
    return render(request, "dashboards/churn.html", context)


def _covariate_label(name: str, touchpoints: dict[str, str]) -> str:
    """A model covariate in the user's language: touchpoint codes become their names."""
    prefix = "bad experience at "
    if name.startswith(prefix):
        code = name[len(prefix) :]
        return _("Bad experience at %(touchpoint)s in the last 90 days") % {
            "touchpoint": touchpoints.get(code, code)
        }
    if name == "last_nps":
        return _("Last NPS answer (per point)")
    if name.startswith("segment="):
        return _("Segment: %(segment)s") % {"segment": name[len("segment=") :]}
    return name


@workspace_view()
def drivers(request: HttpRequest) -> HttpResponse:
    outcome = request.GET.get("outcome") if request.GET.get("outcome") in OUTCOMES else "nps"
    context: dict = {"outcome": outcome, "outcomes": OUTCOMES}
    labels = group_labels(workspace=request.workspace, by="touchpoint")
    if outcome == "themes":
        taxonomy = load_taxonomy()
        ui = (get_language() or "en")[:2]
        labels = {t.id: taxonomy.name(t.id, ui) for t in taxonomy.themes}
    try:
        if outcome == "themes":
            result = behaviour.theme_drivers(workspace=request.workspace, scope=request.scope)
        else:
            result = behaviour.drivers(
                workspace=request.workspace, scope=request.scope, outcome=outcome
            )
    except InsufficientDataError as exc:
        context["problem"] = str(exc)
    else:
        points = [
            Point(
                label=labels.get(w.driver, w.driver),
                value=w.share,
                low=w.share_low,
                high=w.share_high,
                n=result.n,
            )
            for w in result.weights
        ]
        context.update(
            {
                "result": result,
                "bars_svg": bars_svg(points, unit="%"),
                "rows": list(zip(points, result.weights, strict=True)),
            }
        )
    return render(request, "dashboards/drivers.html", context)
