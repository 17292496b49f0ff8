"""Journey maps under /w/<slug>/journeys/: the list, the map with live figures, step edits,
versions and their diff, as-is beside to-be, and exports (YAML, SVG, PDF)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from cxray.errors import InvalidInputError, NotFoundError
from cxray.journey import JourneyYamlError
from cxray.web.accounts.scope import can_import
from cxray.web.journeys.forms import StepForm
from cxray.web.journeys.models import Journey
from cxray.web.journeys.selectors import (
    JourneyMap,
    journey_get,
    journey_list,
    journey_map,
    journey_yaml,
    version_list,
    versions_diff,
)
from cxray.web.journeys.services import journey_import, step_update
from cxray.web.journeys.svg import journey_svg
from cxray.web.workspaces.decorators import workspace_view


def _journey(request: HttpRequest, code: str | None) -> Journey:
    if code is None:
        raise _ToList
    try:
        return journey_get(workspace=request.workspace, code=code)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc


class _ToList(Exception):
    """An address without a journey code (reversed with the workspace only): go to the list."""


def _or_list(view):  # type: ignore[no-untyped-def]
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
        try:
            return view(request, *args, **kwargs)
        except _ToList:
            return redirect("journeys", slug=request.workspace.slug)

    return wrapped


@workspace_view()
def journeys(request: HttpRequest) -> HttpResponse:
    """The workspace's journeys; an upload of a YAML file creates or replaces one."""
    editable = can_import(request.membership)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        upload = request.FILES.get("file")
        text = upload.read().decode("utf-8", "replace") if upload else request.POST.get("yaml", "")
        if not text.strip():
            messages.error(request, _("Choose a YAML file or paste the journey's YAML."))
            return redirect("journeys", slug=request.workspace.slug)
        try:
            journey = journey_import(
                workspace=request.workspace,
                text=text,
                user=request.user,
                source=upload.name if upload else "",
            )
        except JourneyYamlError as exc:
            return render(
                request,
                "journeys/list.html",
                {"journeys": journey_list(workspace=request.workspace), "problems": exc.problems,
                 "yaml": text, "can_edit": editable},
                status=400,
            )  # fmt: skip
        messages.success(request, _("Journey %(name)s saved.") % {"name": journey.name})
        return redirect("journey_map", slug=request.workspace.slug, code=journey.code)
    return render(
        request,
        "journeys/list.html",
        {"journeys": journey_list(workspace=request.workspace), "can_edit": editable},
    )


@workspace_view()
@_or_list
def map_page(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The map: stages across, lanes down; ?tp=CODE opens that touchpoint's figures."""
    journey = _journey(request, code)
    m = journey_map(journey=journey, scope=request.scope)
    selected = request.GET.get("tp", "")
    panel = next((s for s in m.steps if s.step.touchpoint == selected), None)
    editable = can_import(request.membership)
    # One form at a time (?edit=<step id>): eighty open forms would cost seconds to render.
    editing = request.GET.get("edit", "") if editable else ""
    forms = {s.step.key: StepForm.for_step(s.step) for s in m.steps if s.step.key == editing}
    return render(
        request,
        "journeys/map.html",
        {
            "m": m,
            "journey": journey,
            "columns": _columns(m, forms),
            "load_rows": _load_rows(m),
            "panel": panel,
            "selected": selected,
            "can_edit": editable,
            "editing": editing,
            "yaml": journey_yaml(journey) if editable else "",
            "counterpart": journey_list(workspace=request.workspace)
            .filter(code=journey.counterpart)
            .first(),
        },
    )


def _columns(m: JourneyMap, forms: dict[str, StepForm] | None = None) -> list[dict[str, Any]]:
    """One column per step, with its edit form and the seam that ends at it."""
    seam_at = {s.after: s for s in m.seams}
    return [
        {"s": s, "form": (forms or {}).get(s.step.key), "seam": seam_at.get(s.step.key)}
        for s in m.steps
    ]


def _load_rows(m: JourneyMap) -> list[dict[str, Any]]:
    return [
        {"week": w.week, "cells": [w.by_channel.get(c, 0) for c in m.load.channels],
         "total": w.total, "overloaded": w.overloaded}
        for w in m.load.weeks
    ]  # fmt: skip


@workspace_view()
@_or_list
def step_edit(request: HttpRequest, code: str | None = None, key: str = "") -> HttpResponse:
    """POST: change the lanes of one step (a new version of the journey)."""
    journey = _journey(request, code)
    target = reverse("journey_map", kwargs={"slug": request.workspace.slug, "code": journey.code})
    if request.method != "POST":
        return redirect(f"{target}#step-{key}")
    if not can_import(request.membership):
        raise PermissionDenied
    if journey.steps.filter(key=key).first() is None:
        raise Http404(f"journey {journey.code!r} has no step {key!r}")
    form = StepForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
        return redirect(f"{target}#step-{key}")
    try:
        step_update(journey=journey, key=key, changes=form.changes(), user=request.user)
    except (InvalidInputError, NotFoundError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Step saved as a new version."))
    return redirect(f"{target}#step-{key}")


@workspace_view()
@_or_list
def versions(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Every saved version; ?a=N&b=M shows what changed from N to M."""
    journey = _journey(request, code)
    found = list(version_list(journey=journey))
    diff = None
    if found:
        try:
            a = int(request.GET["a"]) if request.GET.get("a") else None
            b = int(request.GET["b"]) if request.GET.get("b") else None
            diff = versions_diff(journey=journey, old=a, new=b)
        except (ValueError, NotFoundError) as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "journeys/versions.html",
        {"journey": journey, "versions": found, "diff": diff,
         "diff_lines": _diff_lines(diff.unified) if diff else [],
         "a": request.GET.get("a", ""), "b": request.GET.get("b", "")},
    )  # fmt: skip


def _diff_lines(unified: str) -> list[tuple[str, str]]:
    kinds = {"+": "add", "-": "del", "@": "hunk"}
    return [(kinds.get(line[:1], ""), line) for line in unified.splitlines()]


@workspace_view()
@_or_list
def compare(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The journey beside its counterpart (as is beside to be)."""
    journey = _journey(request, code)
    other = journey_list(workspace=request.workspace).filter(code=journey.counterpart).first()
    left, right = (journey, other) if journey.variant == "as-is" else (other, journey)
    sides = []
    for j in (left, right):
        if j is None:
            sides.append(None)
            continue
        m = journey_map(journey=j, scope=request.scope)
        sides.append({"m": m, "columns": _columns(m), "load_rows": _load_rows(m)})
    return render(request, "journeys/compare.html", {"journey": journey, "sides": sides})


@workspace_view()
@_or_list
def yaml_file(request: HttpRequest, code: str | None = None) -> HttpResponse:
    journey = _journey(request, code)
    response = HttpResponse(journey_yaml(journey), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{journey.code}.yaml"'
    return response


@workspace_view()
@_or_list
def svg_file(request: HttpRequest, code: str | None = None) -> HttpResponse:
    journey = _journey(request, code)
    svg = journey_svg(journey_map(journey=journey, scope=request.scope))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{journey.code}.svg"'
    return response


@workspace_view()
@_or_list
def pdf_file(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The printable page (the same SVG and the figures table) rendered by WeasyPrint."""
    from weasyprint import HTML

    journey = _journey(request, code)
    m = journey_map(journey=journey, scope=request.scope)
    html = render_to_string(
        "journeys/print.html", {"m": m, "journey": journey, "svg": journey_svg(m)}, request
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{journey.code}.pdf"'
    return response
