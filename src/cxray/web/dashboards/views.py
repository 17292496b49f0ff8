from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cxray.web.dashboards.selectors import home_headline, home_scores, sparkline
from cxray.web.workspaces.decorators import workspace_view


@workspace_view()
def home(request: HttpRequest) -> HttpResponse:
    as_of = timezone.localdate()
    figures = home_headline(workspace=request.workspace, scope=request.scope, as_of=as_of)
    extra = home_scores(
        workspace=request.workspace, scope=request.scope, start=figures.start, as_of=as_of
    )
    n = figures.nps.n
    pass_share = f"{100 * figures.nps.middle / n:.1f}" if n else "0"
    return render(
        request,
        "dashboards/home.html",
        {
            "h": figures,
            "as_of": as_of,
            "pass_share": pass_share,
            "x": extra,
            "spark": sparkline(extra.nps_trend),
        },
    )
