"""Discovered themes (/w/<slug>/themes/) and reason codes reviewed by a person (.../codes/)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cxray.errors import InvalidInputError
from cxray.web.accounts.models import Membership
from cxray.web.accounts.scope import can_import, scope_for
from cxray.web.themes.models import DiscoveryRun, EditKind, RunStatus, TextSource, Verdict
from cxray.web.themes.selectors import (
    SCHEME_NAMES,
    code_choices,
    code_counts,
    code_name,
    coded_texts,
    edit_list,
    run_latest,
    run_themes,
    score_filter_choices,
    score_filter_name,
)
from cxray.web.themes.services import (
    SCHEMES,
    code_review_set,
    discovery_running,
    discovery_start,
    score_filter_key,
    texts_recode,
    theme_edit_create,
    theme_edit_undo,
)
from cxray.web.workspaces.decorators import workspace_view

PAGE = 25
STATUSES = ("unreviewed", "reviewed")


def sees_whole_workspace(membership: Membership) -> bool:
    """Discovered themes (and their quotes) span the workspace: no unit-scoped member."""
    return scope_for(membership).is_full


def _field(value: str | None) -> str:
    return value if value in TextSource.values else TextSource.COMMENT


def _score_filter(request: HttpRequest) -> str:
    """The score band of the page: ``score=nps:low`` or ``metric=nps&band=low``; an unknown
    one shows every answer, like an unknown field shows comments."""
    data = request.POST if request.method == "POST" else request.GET
    metric, _sep, band = (data.get("score") or "").partition(":")
    try:
        return score_filter_key(metric or data.get("metric"), band or data.get("band"))
    except InvalidInputError:
        return ""


@workspace_view(allow=sees_whole_workspace)
def themes(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    field = _field(request.POST.get("field") or request.GET.get("field"))
    score = _score_filter(request)
    if request.method == "POST":
        return _themes_post(request, field, score)
    run = run_latest(workspace=ws, field=field, score_filter=score)
    latest = run_latest(workspace=ws, field=field, done=False, score_filter=score)
    found = run_themes(run=run)
    total = sum(t.size for t in found) or 1
    edits = edit_list(workspace=ws, field=field)
    return render(
        request,
        "themes/themes.html",
        {
            "field": field,
            "fields": TextSource.choices,
            "score": score,
            "score_name": score_filter_name(score),
            "scores": score_filter_choices(),
            "run": run,
            "latest": latest,
            "running": discovery_running(workspace=ws),
            "rows": [(t, 100 * t.size / total) for t in found],
            "edits": [_describe(e) for e in edits],
            "can_edit": can_import(request.membership),
        },
    )


def _themes_post(request: HttpRequest, field: str, score: str) -> HttpResponse:
    if not can_import(request.membership):
        raise PermissionDenied
    ws = request.workspace
    action = request.POST.get("action", "")
    try:
        if action == "run":
            if discovery_start(workspace=ws, field=field, score_filter=score) is None:
                messages.info(request, _("An analysis is already running for this workspace."))
            else:
                messages.success(
                    request,
                    _("Analysis started. It takes a few minutes; reload the page to see it."),
                )
        elif action == "undo":
            if theme_edit_undo(workspace=ws, field=field, score_filter=score):
                messages.success(request, _("The last edit was undone."))
        elif action in EditKind.values:
            run = DiscoveryRun.objects.filter(
                workspace=ws, field=field, status=RunStatus.DONE, score_filter=score
            ).first()
            if run is None:
                raise InvalidInputError(_("There are no themes to edit yet."))
            theme_edit_create(
                run=run,
                user=request.user,
                kind=action,
                theme_ids=request.POST.getlist("theme_id"),
                label=request.POST.get("label", ""),
            )
            messages.success(
                request, _("Saved. The edit will be kept when themes are re-analysed.")
            )
        else:
            messages.error(request, _("Nothing to do."))
    except InvalidInputError as exc:
        messages.error(request, str(exc))
    query = {"field": field, **({"score": score} if score else {})}
    return redirect(f"{reverse('themes', args=[ws.slug])}?{urlencode(query)}")


def _describe(edit) -> str:
    p = edit.payload
    if edit.kind == EditKind.RENAME:
        return _("%(id)s renamed to “%(label)s”") % {"id": p["id"], "label": p["label"]}
    if edit.kind == EditKind.MERGE:
        return _("%(ids)s merged into “%(label)s”") % {
            "ids": ", ".join(p["ids"]),
            "label": p["label"],
        }
    return _("%(id)s split in %(n)d") % {"id": p["id"], "n": p.get("parts", 2)}


@workspace_view()
def codes(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    if request.method == "POST":
        if not can_import(request.membership):
            raise PermissionDenied
        if request.POST.get("action") == "recode":
            result = texts_recode(workspace=ws)
            messages.success(
                request,
                _(
                    "Corrections re-applied to texts analysed earlier: %(changed)d of "
                    "%(examined)d texts with a reviewed phrase changed."
                )
                % {"changed": result.changed, "examined": result.examined},
            )
            return redirect(request.get_full_path())
        scheme, _sep, code = request.POST.get("item", "").partition(":")
        try:
            code_review_set(
                workspace=ws,
                user=request.user,
                response_key=request.POST.get("response_key", ""),
                field=request.POST.get("field", ""),
                scheme=scheme,
                code=code,
                verdict=request.POST.get("verdict", ""),
                corrected_code=request.POST.get("corrected_code", ""),
            )
            messages.success(request, _("Review saved."))
        except InvalidInputError as exc:
            messages.error(request, str(exc))
        return redirect(request.get_full_path())
    ui = (get_language() or "en")[:2]
    choices = code_choices(ui)
    code = request.GET.get("code") if request.GET.get("code") in dict(choices) else ""
    field = request.GET.get("field") if request.GET.get("field") in TextSource.values else ""
    status = request.GET.get("status") if request.GET.get("status") in STATUSES else ""
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    total, texts = coded_texts(
        workspace=ws,
        scope=request.scope,
        code=code or None,
        text_field=field or None,
        status=status or None,
        offset=(page - 1) * PAGE,
        limit=PAGE,
    )
    counts = code_counts(workspace=ws, scope=request.scope, text_field=field or None)
    query = {k: v for k, v in {"code": code, "field": field, "status": status}.items() if v}
    return render(
        request,
        "themes/codes.html",
        {
            "counts": [
                {
                    "c": c,
                    "name": code_name(c.scheme, c.code, ui),
                    "scheme": SCHEME_NAMES[c.scheme],
                    "item": f"{c.scheme}:{c.code}",
                }
                for c in counts
            ],
            "texts": [_text_row(t, ui) for t in texts],
            "total": total,
            "page": page,
            "first": (page - 1) * PAGE + 1,
            "last": min(total, page * PAGE),
            "prev_url": f"?{urlencode({**query, 'page': page - 1})}" if page > 1 else "",
            "next_url": f"?{urlencode({**query, 'page': page + 1})}" if page * PAGE < total else "",
            "code": code,
            "choices": choices,
            "field": field,
            "fields": TextSource.choices,
            "status": status,
            "can_review": can_import(request.membership),
            "sees_themes": sees_whole_workspace(request.membership),
            "verdicts": Verdict,
        },
    )


def _text_row(t, ui: str) -> dict:
    return {
        "t": t,
        "lang": t.language if t.language in ("ru", "uk", "en") else "",
        "items": [
            {
                "i": i,
                "item": f"{i.scheme}:{i.code}",
                "name": code_name(i.scheme, i.code, ui),
                "scheme": SCHEME_NAMES[i.scheme],
                "corrected_name": code_name(i.scheme, i.review.corrected_code, ui)
                if i.review and i.review.corrected_code
                else "",
                "alternatives": [
                    (c, code_name(i.scheme, c, ui)) for c in SCHEMES[i.scheme] if c != i.code
                ],
            }
            for i in t.items
        ],
    }
