"""The text page: what customers say, in which mood, and what must change for a top score."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cxray.analytics.text_report import text_report
from cxray.text.taxonomy import load_taxonomy
from cxray.web.accounts.scope import Scope
from cxray.web.analytics_store import analytics
from cxray.web.dashboards.charts import theme_trend_svg
from cxray.web.dashboards.report_cache import cached_report
from cxray.web.dashboards.selectors import ScopedStore, group_labels
from cxray.web.dashboards.text_analysis import (
    text_fill_background,
    text_fill_running,
)
from cxray.web.workspaces.decorators import workspace_view

PERIODS = {"3m": 92, "12m": 366, "all": None}
LANGUAGES = ("ru", "uk", "en", "mixed")


@workspace_view()
def text(request: HttpRequest) -> HttpResponse:
    slug = request.workspace.slug
    if request.method == "POST":
        text_fill_background(workspace_slug=slug)
        return redirect(request.get_full_path())
    period = request.GET.get("period") if request.GET.get("period") in PERIODS else "12m"
    language = request.GET.get("language") if request.GET.get("language") in LANGUAGES else None
    touchpoints = group_labels(workspace=request.workspace, by="touchpoint")
    touchpoint = (
        request.GET.get("touchpoint") if request.GET.get("touchpoint") in touchpoints else None
    )
    end = timezone.localdate()
    days = PERIODS[period]
    segments = cached_report(
        "segments",
        workspace=request.workspace,
        scope=request.scope,
        compute=lambda: _segments(request.scope, slug),
    )
    segment = request.GET.get("segment") if request.GET.get("segment") in segments else None
    start = end - timedelta(days=days) if days else None

    def compute():
        with analytics() as store:
            return text_report(
                ScopedStore(store, request.scope),
                slug,
                start=start,
                end=end,
                language=language,
                touchpoint=touchpoint,
                segment=segment,
            )

    report = cached_report(
        "text",
        workspace=request.workspace,
        scope=request.scope,
        compute=compute,
        start=start,
        end=end,
        language=language,
        touchpoint=touchpoint,
        segment=segment,
    )
    taxonomy = load_taxonomy()
    ui = (get_language() or "en")[:2]

    def name(theme: str) -> str:
        return taxonomy.name(theme, ui) if _known(taxonomy, theme) else theme

    def named(figures):
        return [(name(f.theme), f, theme_trend_svg(f.trend, report.months)) for f in figures]

    def crossed(by_group: dict[str, dict[str, int]], labels: dict[str, str]):
        """Rows: the follow-up themes; columns: the groups, with answers per cell."""
        groups = sorted(by_group, key=lambda g: labels.get(g, g))
        themes = [f.theme for f in report.follow_up_themes]
        return {
            "groups": [labels.get(g, g) for g in groups],
            "rows": [(name(t), [by_group[g].get(t, 0) for g in groups]) for t in themes],
        }

    return render(
        request,
        "dashboards/text.html",
        {
            "report": report,
            "themes": named(report.themes),
            "follow_ups": named(report.follow_up_themes),
            "period": period,
            "periods": list(PERIODS),
            "language": language or "",
            "languages": LANGUAGES,
            "touchpoint": touchpoint or "",
            "touchpoints": sorted(touchpoints.items(), key=lambda kv: kv[1]),
            "segment": segment or "",
            "segments": segments,
            "follow_up_crosses": [
                (_("Answers by segment"), crossed(report.follow_up_by_segment, {})),
                (_("Answers by touchpoint"), crossed(report.follow_up_by_touchpoint, touchpoints)),
            ],
            "running": text_fill_running(workspace_slug=slug),
            "codes": _code_summary(request, ui),
        },
    )


def _code_summary(request: HttpRequest, ui: str) -> dict[str, list[dict]]:
    """Churn reasons and purchase factors with their texts (human verdicts merged in), by
    scheme, most frequent first: the detail and the review are on the codes page."""
    from cxray.web.themes.models import CodeReview
    from cxray.web.themes.selectors import code_counts, code_name

    # People's verdicts live in the app database, not in the store: their count and latest
    # change join the store's data version in the key, so a verdict is seen on the next view.
    verdicts = CodeReview.objects.filter(workspace=request.workspace).aggregate(
        n=Count("pk"), last=Max("created_at")
    )
    counts = cached_report(
        "code_counts",
        workspace=request.workspace,
        scope=request.scope,
        compute=lambda: code_counts(workspace=request.workspace, scope=request.scope),
        verdicts=(verdicts["n"], verdicts["last"]),
    )
    out: dict[str, list[dict]] = {"churn_reason": [], "purchase_factor": []}
    for c in counts:
        if c.count:
            out[c.scheme].append(
                {"name": code_name(c.scheme, c.code, ui), "c": c, "item": f"{c.scheme}:{c.code}"}
            )
    for rows in out.values():
        rows.sort(key=lambda r: -r["c"].count)
    return out


def _segments(scope: Scope, slug: str) -> list[str]:
    with analytics() as store:
        c = ScopedStore(store, scope).table("customers", slug)
        segments = c.filter(c.segment.notnull()).select("segment").distinct()
        return sorted(segments.segment.to_pyarrow().to_pylist())


def _known(taxonomy, theme: str) -> bool:
    try:
        taxonomy.theme(theme)
    except KeyError:
        return False
    return True
