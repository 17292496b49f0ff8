"""Pages: "Who leaves, and what is it worth?" and "Why?" (drivers)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cxray.analytics.customer_groups import BUILT_IN, attribute_names
from cxray.analytics.drivers import METHODS
from cxray.analytics.reports import SURVIVAL_DAYS, ChurnReport
from cxray.errors import InsufficientDataError, InvalidInputError
from cxray.text.taxonomy import load_taxonomy
from cxray.web.analytics_store import analytics
from cxray.web.dashboards import behaviour
from cxray.web.dashboards.charts import Point, bars_svg, histogram_svg, survival_svg
from cxray.web.dashboards.report_cache import cached_report
from cxray.web.dashboards.selectors import ScopedStore, group_labels
from cxray.web.exports import Sheet, xlsx_response
from cxray.web.people.selectors import unit_list
from cxray.web.workspaces.decorators import workspace_view

OUTCOMES = ("nps", "churned", "themes")
FORMATS = ("html", "xlsx")


def _format(request: HttpRequest) -> str:
    fmt = request.GET.get("format") or "html"
    if fmt not in FORMATS:
        raise InvalidInputError(
            _('format "%(format)s" is not known; use format=xlsx or leave it out') % {"format": fmt}
        )
    return fmt


def _pct(value: float) -> float | None:
    """A fraction as the percent the page shows, one decimal (None where undefined)."""
    return round(100 * float(value), 1) if value == value else None


def _num(value: object, digits: int = 2) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return round(number, digits) if number == number else None


@workspace_view()
def churn_money(request: HttpRequest) -> HttpResponse:
    as_of = timezone.localdate()
    context: dict = {"as_of": as_of, "problems": [], "days": list(SURVIVAL_DAYS)}
    context.update(_filter_choices(request))
    try:
        fmt = _format(request)
        filters = behaviour.ChurnFilters.parse(request.GET)
        behaviour.filtered_scope(
            workspace=request.workspace, scope=request.scope, unit=filters.unit
        )
    except InvalidInputError as exc:
        context.update({"error": str(exc), "filters": request.GET})
        return render(request, "dashboards/churn.html", context, status=400)
    context["filters"] = filters.as_dict()
    context["query"] = urlencode(filters.query())
    context["group_heading"] = dict(context["groupings"]).get(filters.by, filters.by)
    labels = group_labels(workspace=request.workspace, by="touchpoint")
    args = {"workspace": request.workspace, "scope": request.scope, "as_of": as_of}
    try:
        report = behaviour.churn(**args, filters=filters)
    except InvalidInputError as exc:  # grouped by a column no customer has
        context["error"] = str(exc)
        return render(request, "dashboards/churn.html", context, status=400)
    except behaviour.NoMatchingCustomers as exc:
        context["no_match"] = str(exc)
    except InsufficientDataError as exc:
        context["problems"].append(str(exc))
    else:
        context.update(_churn_context(report, labels))
        # Drawing the curves costs more than reading the cached report: keep the drawing too.
        context["survival_svg"] = cached_report(
            "churn_survival_svg",
            **args,
            compute=lambda: _survival_svg(report),
            filters=sorted(filters.as_dict().items()),
        )
    if "no_match" not in context:
        try:
            clv, money = behaviour.clv_and_money(**args, filters=filters)
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
                    "detractor_note": money.cost_of_detractor_note,
                }
            )
    if fmt == "xlsx":
        name = "-".join([request.workspace.slug, "churn", *filters.query().values()])
        return xlsx_response(_churn_sheets(context, filters), f"{_safe_name(name)}.xlsx")
    return render(request, "dashboards/churn.html", context)


def _safe_name(name: str) -> str:
    """A file name that survives a Content-Disposition header on every browser."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)


def _filter_choices(request: HttpRequest) -> dict:
    """The segments and units the viewer may filter on (their own scope only)."""

    def columns() -> list[str]:
        with analytics() as store:
            c = ScopedStore(store, request.scope).table("customers", request.workspace.slug)
            return attribute_names(c)

    segment_names = behaviour.segment_names(workspace=request.workspace, scope=request.scope)
    customer_columns = cached_report(
        "churn_customer_columns", workspace=request.workspace, scope=request.scope, compute=columns
    )
    units = unit_list(workspace=request.workspace, scope=request.scope)
    groupings = [
        ("segment", _("Segment")),
        ("cohort", _("Cohort (quarter first seen)")),
        ("cohort_year", _("Cohort (year first seen)")),
        *((name, name) for name in customer_columns if name not in BUILT_IN),
    ]
    return {
        "segments": segment_names,
        "units": [(u.code, u.name) for u in units],
        "groupings": groupings,
    }


def _churn_context(report: ChurnReport, labels: dict[str, str]) -> dict:
    context: dict = {
        "churn": report,
        "churn_rows": behaviour.churn_by_segment(report),
        "survival_rows": [
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
        ],
        "predictive": [
            {"kind": kind, "group": labels.get(str(p.group), p.group), "r": p}
            for kind, results in (
                ("segment", report.predictive_by_segment),
                ("touchpoint", report.predictive_by_touchpoint),
            )
            for p in results
        ],
    }
    if report.cox is not None:
        context["cox_rows"] = [
            {"label": _covariate_label(h.name, labels), "hr": h} for h in report.cox.hazard_ratios
        ]
    return context


def _churn_sheets(context: dict, filters: behaviour.ChurnFilters) -> list[Sheet]:
    """Every table the page shows, one sheet each, in the page's units (percent, currency)."""
    all_label = _("All")
    notes = [*context["problems"], *([context["no_match"]] if "no_match" in context else [])]
    sheets: list[Sheet] = [
        (
            _("Filters"),
            [
                [_("Filter"), _("Value")],
                [_("as of"), context["as_of"].isoformat()],
                *([k, v or _("all")] for k, v in filters.as_dict().items()),
                *([_("note"), note] for note in notes),
            ],
        )
    ]
    if "churn" in context:
        days = context["days"]
        sheets.append(
            (
                _("Churn by segment"),
                [
                    [
                        context["group_heading"],
                        _("Customers"),
                        _("Customers who left"),
                        _("Churn, %"),
                        "low_95",
                        "high_95",
                    ],
                    *(
                        [
                            k or all_label,
                            s.n,
                            s.top,
                            _num(s.value, 1),
                            _num(s.low, 1),
                            _num(s.high, 1),
                        ]
                        for k, s in context["churn_rows"]
                    ),
                ],
            )
        )
        sheets.append(
            (
                _("Survival"),
                [
                    [
                        _("Segment"),
                        "n",
                        *(
                            c
                            for d in days
                            for c in (f"S({d}), %", f"S({d}) low_95", f"S({d}) high_95")
                        ),
                    ],
                    *(
                        [
                            str(r["group"]),
                            r["n"],
                            *(_pct(v) for point in r["points"] for v in point),
                        ]
                        for r in context["survival_rows"]
                    ),
                ],
            )
        )
        sheets.append(
            (
                _("Score predicts churn"),
                [
                    [
                        _("Group"),
                        _("Horizon, days"),
                        "AUC",
                        "low_95",
                        "high_95",
                        "n",
                        _("left"),
                        _("reliable"),
                    ],
                    *(
                        [
                            str(row["group"]),
                            row["r"].horizon_days,
                            _num(row["r"].value),
                            _num(row["r"].low),
                            _num(row["r"].high),
                            row["r"].n,
                            row["r"].events,
                            row["r"].reliable,
                        ]
                        for row in context["predictive"]
                    ),
                ],
            )
        )
        cox = [[_("Factor"), _("Hazard ratio"), "low_95", "high_95", "p"]]
        cox += [
            [
                r["label"],
                _num(r["hr"].value),
                _num(r["hr"].low),
                _num(r["hr"].high),
                _num(r["hr"].p_value, 3),
            ]
            for r in context.get("cox_rows", [])
        ]
        if "cox_rows" not in context:
            cox.append([context["churn"].cox_problem])
        sheets.append((_("Cox model"), cox))
        report = context["churn"]
        sheets.append(
            (
                _("Loyal-looking churners"),
                [
                    [_("Segment"), _("Share, %"), "low_95", "high_95", "n"],
                    *(
                        [str(g), _num(s.value, 1), _num(s.low, 1), _num(s.high, 1), s.n]
                        for g, s in [
                            *report.loyal_looking.items(),
                            (all_label, report.loyal_looking_all),
                        ]
                    ),
                ],
            )
        )
    if "clv" in context:
        money_cols = ("mean_clv", "low", "high", "total_clv")
        sheets.append(
            (
                _("Lifetime value"),
                [
                    [
                        context["group_heading"],
                        _("Customers"),
                        *money_cols,
                        _("Still active (model), %"),
                    ],
                    *(
                        [
                            str(r["segment"]),
                            r["customers"],
                            *(_num(r[c]) for c in money_cols),
                            _pct(r["p_alive"]),
                        ]
                        for r in context["clv_rows"]
                    ),
                ],
            )
        )
        per_customer = context["clv"].per_customer.sort_values(
            ["clv", "customer_id"], ascending=[False, True]
        )
        sheets.append(
            (
                _("Lifetime value per customer"),
                [
                    list(behaviour.PER_CUSTOMER),
                    *(
                        [
                            str(r["customer_id"]),
                            str(r["segment"]),
                            int(r["frequency"]),
                            _num(r["recency"]),
                            _num(r["T"]),
                            _num(r["p_alive"], 3),
                            _num(r["expected_purchases"]),
                            _num(r["clv"]),
                        ]
                        for r in per_customer.to_dict("records")
                    ),
                ],
            )
        )
        sheets.append(
            (
                _("Money by loyalty group"),
                [
                    [_("Group"), _("Customers"), "revenue_per_customer", "mean_clv"],
                    *(
                        [
                            str(r["group"]),
                            r["customers"],
                            _num(r["revenue_per_customer"]),
                            _num(r["mean_clv"]),
                        ]
                        for r in context["loyalty_rows"]
                    ),
                ],
            )
        )
        for title, rows, key in (
            (_("Value at risk by touchpoint"), context["risk_touchpoint"], "label"),
            (_("Value at risk by segment"), context["risk_segment"], "segment"),
        ):
            sheets.append(
                (
                    title,
                    [
                        [key, "value_at_risk", "low_95", "high_95", "n"],
                        *(
                            [
                                str(r[key]),
                                _num(r["value_at_risk"]),
                                _num(r["low"]),
                                _num(r["high"]),
                                r["n"],
                            ]
                            for r in rows
                        ),
                    ],
                )
            )
    return sheets


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
    method = request.GET.get("method") or METHODS[0]
    segment = (request.GET.get("segment") or "").strip() if outcome != "themes" else ""
    context: dict = {
        "outcome": outcome,
        "outcomes": OUTCOMES,
        "method": method,
        "segment": segment,
        "segments": behaviour.segment_names(workspace=request.workspace, scope=request.scope),
    }
    try:
        fmt = _format(request)
        if method not in METHODS:
            raise InvalidInputError(
                _("method must be %(methods)s, not %(method)s")
                % {"methods": " or ".join(METHODS), "method": method}
            )
    except InvalidInputError as exc:
        context["problem"] = str(exc)
        return render(request, "dashboards/drivers.html", context, status=400)
    labels = group_labels(workspace=request.workspace, by="touchpoint")
    if outcome == "themes":
        taxonomy = load_taxonomy()
        ui = (get_language() or "en")[:2]
        labels = {t.id: taxonomy.name(t.id, ui) for t in taxonomy.themes}
    try:
        if outcome == "themes":
            result = behaviour.theme_drivers(
                workspace=request.workspace, scope=request.scope, method=method
            )
        else:
            result = behaviour.drivers(
                workspace=request.workspace,
                scope=request.scope,
                outcome=outcome,
                method=method,
                segment=segment or None,
            )
    # InvalidInputError: Shapley refuses more than 15 drivers; the message names the remedy.
    except (InsufficientDataError, InvalidInputError) as exc:
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
    if fmt == "xlsx":
        return xlsx_response(
            _drivers_sheets(context), f"{_safe_name(request.workspace.slug)}-drivers-{outcome}.xlsx"
        )
    return render(request, "dashboards/drivers.html", context)


def _drivers_sheets(context: dict) -> list[Sheet]:
    """The drivers table as the page shows it, and the model's R² and n beside it."""
    what = _("Theme") if context["outcome"] == "themes" else _("Touchpoint")
    if "result" not in context:
        return [(_("Drivers"), [[_("note")], [context.get("problem", "")]])]
    result = context["result"]
    return [
        (
            _("Drivers"),
            [
                ["#", _("Code"), what, _("Share, %"), "low_95", "high_95", _("Correlation")],
                *(
                    [
                        w.rank,
                        w.driver,
                        p.label,
                        _num(w.share, 1),
                        _num(w.share_low, 1),
                        _num(w.share_high, 1),
                        _num(w.correlation),
                    ]
                    for p, w in context["rows"]
                ),
            ],
        ),
        (
            _("Model"),
            [
                [_("Outcome"), _("Model"), "R2", "low_95", "high_95", "n", _("Method")],
                [
                    context["outcome"],
                    result.model,
                    _num(result.r2, 3),
                    _num(result.r2_low, 3),
                    _num(result.r2_high, 3),
                    result.n,
                    result.method,
                ],
            ],
        ),
    ]


def _survival_svg(report: ChurnReport) -> str:
    return survival_svg({str(k): (c.timeline, c.survival) for k, c in report.curves.items()})
