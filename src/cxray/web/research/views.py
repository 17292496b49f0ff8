"""Research pages under /w/<slug>/research/: churn interviews and their reasons, self-tests,
competitors. They show whole-workspace material (customers' histories, quotes), so only
members who see the whole workspace open them; admins and CX managers write."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cxray.analytics.competitors import BEST_ANYWHERE
from cxray.analytics.interview_reasons import ALL
from cxray.errors import CxrayError, InvalidInputError
from cxray.text.churn_reasons import REASON_CODES, SEED_PATTERNS, reason_name
from cxray.web.accounts.models import Membership
from cxray.web.accounts.scope import can_import, scope_for
from cxray.web.research import selectors, services
from cxray.web.research.forms import InterviewForm
from cxray.web.research.models import QUESTIONS, ChurnInterview, ReasonStatus
from cxray.web.research.questionnaires import questionnaire_all, questionnaire_get
from cxray.web.workspaces.decorators import workspace_view

METRICS = ("nps", "csat", "ces")


def signed(value: float | None, digits: int = 0) -> str:
    """A change as a reader expects it: "+3", "−2" (a real minus sign), "" when unknown."""
    if value is None or value != value:
        return ""
    text = f"{abs(value):.{digits}f}"
    if float(text) == 0:
        return text
    return ("+" if value > 0 else "\u2212") + text


def sees_whole_workspace(membership: Membership) -> bool:
    return scope_for(membership).is_full


def _ui() -> str:
    lang = (get_language() or "en")[:2]
    return lang if lang in ("ru", "uk", "en") else "en"


def _writer(request: HttpRequest) -> None:
    if not can_import(request.membership):
        raise PermissionDenied


def _upload(request: HttpRequest) -> tuple[Path, str, tempfile.TemporaryDirectory]:
    f = request.FILES.get("file")
    if f is None:
        raise InvalidInputError(_("Choose a file to import."))
    tmp = tempfile.TemporaryDirectory(prefix="cxray-research-")
    suffix = "".join(Path(f.name or "upload.csv").suffixes[-2:]) or ".csv"
    path = Path(tmp.name) / f"upload{suffix}"
    with path.open("wb") as out:
        for chunk in f.chunks():
            out.write(chunk)
    return path, f.name or path.name, tmp


# --- overview --------------------------------------------------------------------------------
@workspace_view(allow=sees_whole_workspace)
def research(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    interviews = selectors.interview_list(workspace=ws)
    return render(
        request,
        "research/index.html",
        {
            "n_interviews": interviews.count(),
            "n_unreviewed": selectors.interview_list(workspace=ws, unreviewed=True).count(),
            "questionnaires": [_last_run(ws, q) for q in questionnaire_all().values()],
        },
    )


def _last_run(ws, q) -> dict:
    runs = selectors.assessment_history(workspace=ws, questionnaire=q.id)
    last = runs[0] if runs else None
    return {
        "q": q,
        "label": q.label(_ui()),
        "last": last,
        "change": signed((last.change or {}).get("total")) if last else "",
    }


# --- churn interviews ------------------------------------------------------------------------
def _reason_rows(ui: str) -> list[tuple[str, str]]:
    return [(c, reason_name(c, ui)) for c in REASON_CODES]


@workspace_view(allow=sees_whole_workspace)
def interviews(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    if request.method == "POST":
        _writer(request)
        try:
            path, name, tmp = _upload(request)
            with tmp:
                done = services.interviews_import(
                    workspace=ws, path=path, name=name, user=request.user
                )
            messages.success(request, _("%(n)d interviews imported.") % {"n": len(done)})
        except CxrayError as exc:
            messages.error(request, str(exc))
        return redirect("research_interviews", ws.slug)
    ui = _ui()
    reason = request.GET.get("reason") if request.GET.get("reason") in REASON_CODES else ""
    unreviewed = request.GET.get("status") == "unreviewed"
    rows = []
    for i in selectors.interview_list(workspace=ws, reason=reason or None, unreviewed=unreviewed)[
        :200
    ]:
        reasons = list(i.reasons.all())
        rows.append(
            {
                "i": i,
                "confirmed": [reason_name(r.code, ui) for r in reasons if r.status == "confirmed"],
                "suggested": [reason_name(r.code, ui) for r in reasons if r.status == "suggested"],
            }
        )
    return render(
        request,
        "research/interviews.html",
        {
            "rows": rows,
            "reason": reason,
            "unreviewed": unreviewed,
            "reasons": _reason_rows(ui),
            "can_edit": can_import(request.membership),
        },
    )


@workspace_view(allow=sees_whole_workspace)
def interview_new(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    if request.method == "POST":
        _writer(request)
        form = InterviewForm(request.POST)
        if form.is_valid():
            try:
                interview = services.interview_save(
                    workspace=ws, data=form.cleaned_data, user=request.user
                )
                messages.success(
                    request, _("Saved. Check the suggested reasons: only confirmed ones count.")
                )
                return redirect("research_interview", ws.slug, interview.pk)
            except InvalidInputError as exc:
                form.add_error(None, str(exc))
    else:
        form = InterviewForm(
            initial={
                "held_on": timezone.localdate(),
                "customer_id": request.GET.get("customer", "")[:200],
                "interviewer": request.user.get_full_name() or request.user.get_username(),
            }
        )
    return render(request, "research/interview.html", {"form": form, "interview": None})


@workspace_view(allow=sees_whole_workspace)
def interview(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.workspace
    item = selectors.interview_get(workspace=ws, pk=pk)
    form = InterviewForm(instance=item)
    if request.method == "POST":
        _writer(request)
        response = _interview_post(request, item)
        if response is not None:
            return response
        form = InterviewForm(request.POST, instance=item)
        if form.is_valid():
            try:
                services.interview_save(
                    workspace=ws, data=form.cleaned_data, user=request.user, interview=item
                )
                messages.success(request, _("Saved."))
                return redirect("research_interview", ws.slug, item.pk)
            except InvalidInputError as exc:
                form.add_error(None, str(exc))
    ui = _ui()
    reasons = list(item.reasons.order_by("status", "-confidence", "code"))
    present = {r.code for r in reasons}
    return render(
        request,
        "research/interview.html",
        {
            "form": form,
            "interview": item,
            "history": _named(
                ws, selectors.customer_history(workspace=ws, customer_id=item.customer_id)
            ),
            "reasons": [
                {
                    "r": r,
                    "name": reason_name(r.code, ui),
                    "seed": r.code in SEED_PATTERNS,
                    "question": InterviewForm.base_fields[r.question].label
                    if r.question in QUESTIONS
                    else "",
                    "alternatives": [(c, n) for c, n in _reason_rows(ui) if c != r.code],
                }
                for r in reasons
            ],
            "addable": [(c, n) for c, n in _reason_rows(ui) if c not in present],
            "can_edit": can_import(request.membership),
        },
    )


def _named(ws, history: selectors.CustomerHistory) -> selectors.CustomerHistory:
    """The history with touchpoint and employee names beside their codes."""
    touchpoints = selectors.touchpoint_names(workspace=ws)
    employees = selectors.employee_names(workspace=ws)
    for rows in (history.transactions, history.interactions, history.responses):
        for r in rows:
            if r.get("touchpoint_id"):
                r["touchpoint"] = touchpoints.get(r["touchpoint_id"], r["touchpoint_id"])
            if r.get("employee_id"):
                r["employee"] = employees.get(r["employee_id"], r["employee_id"])
    return history


def _interview_post(request: HttpRequest, item: ChurnInterview) -> HttpResponse | None:
    """Reason verdicts and deletion; None for the interview form itself."""
    ws = request.workspace
    action = request.POST.get("action", "save")
    back = redirect("research_interview", ws.slug, item.pk)
    try:
        if action in (ReasonStatus.CONFIRMED, ReasonStatus.REJECTED, "add"):
            status = ReasonStatus.CONFIRMED if action == "add" else action
            services.reason_set(
                interview=item, code=request.POST.get("code", ""), status=status, user=request.user
            )
            messages.success(request, _("Reason saved."))
            return back
        if action == "replace":
            services.reason_replace(
                interview=item,
                code=request.POST.get("code", ""),
                replacement=request.POST.get("replacement", ""),
                user=request.user,
            )
            messages.success(request, _("Reason replaced."))
            return back
        if action == "delete":
            services.interview_delete(interview=item)
            messages.success(request, _("The interview was deleted."))
            return redirect("research_interviews", ws.slug)
    except InvalidInputError as exc:
        messages.error(request, str(exc))
        return back
    return None


@workspace_view(allow=sees_whole_workspace)
def reasons(request: HttpRequest) -> HttpResponse:
    ui = _ui()
    report = selectors.reason_report(workspace=request.workspace)
    return render(
        request,
        "research/reasons.html",
        {
            "segments": [
                {
                    "s": s,
                    "label": _("All interviews") if s.segment == ALL else s.segment,
                    "rows": [
                        {
                            "r": r,
                            "name": reason_name(r.reason, ui),
                            "seed": r.reason in SEED_PATTERNS,
                        }
                        for r in s.reasons
                    ],
                }
                for s in report
            ],
        },
    )


# --- self-tests ------------------------------------------------------------------------------
@workspace_view(allow=sees_whole_workspace)
def assessments(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    if request.method == "POST":
        _writer(request)
        try:
            a = services.assessment_start(
                workspace=ws,
                questionnaire=request.POST.get("questionnaire", ""),
                user=request.user,
                title=request.POST.get("title", ""),
            )
            return redirect("research_assessment", ws.slug, a.pk)
        except CxrayError as exc:
            messages.error(request, str(exc))
            return redirect("research_assessments", ws.slug)
    ui = _ui()
    blocks = []
    for q in questionnaire_all().values():
        history = selectors.assessment_history(workspace=ws, questionnaire=q.id)
        blocks.append(
            {
                "q": q,
                "label": q.label(ui),
                "about": q.intro(ui),
                "sections": [(s.id, s.label(ui)) for s in q.sections],
                "history": [
                    {
                        "run": run,
                        "sections": [
                            (sc.score, signed((run.change or {}).get(sc.section)))
                            for sc in run.score.sections
                        ],
                        "total_change": signed((run.change or {}).get("total")),
                    }
                    for run in history
                ],
                "drafts": selectors.assessment_list(workspace=ws, questionnaire=q.id).filter(
                    completed_at__isnull=True
                ),
            }
        )
    return render(
        request,
        "research/assessments.html",
        {"blocks": blocks, "can_edit": can_import(request.membership)},
    )


def _initiative_url(slug: str) -> str:
    # The initiatives app may be absent in a trimmed install: the gap list then has no link.
    try:
        return reverse("initiative_create", args=[slug])
    except NoReverseMatch:
        return ""


@workspace_view(allow=sees_whole_workspace)
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.workspace
    a = selectors.assessment_get(workspace=ws, pk=pk)
    q = questionnaire_get(a.questionnaire)
    if request.method == "POST":
        _writer(request)
        if request.POST.get("action") == "delete":
            services.assessment_delete(assessment=a)
            messages.success(request, _("The assessment was deleted."))
            return redirect("research_assessments", ws.slug)
        items = [i.id for s in q.sections for i in s.items]
        try:
            services.assessment_save(
                assessment=a,
                answers={i: request.POST.get(f"a_{i}", "") for i in items},
                comments={i: request.POST.get(f"c_{i}", "") for i in items},
                complete=request.POST.get("action") == "complete",
            )
            messages.success(request, _("Saved."))
        except InvalidInputError as exc:
            messages.error(request, str(exc))
        return redirect("research_assessment", ws.slug, a.pk)
    ui = _ui()
    score = selectors.assessment_score(assessment=a)
    by_section = {s.section: s for s in score.sections}
    base = _initiative_url(ws.slug)
    gaps = []
    for g in score.gaps:
        section, item = q.item(g.item)
        text = item.label(ui)
        prefill = {"title": text[:200], "source": f"{q.id}:{a.pk}:{g.item}"}
        prefill["description"] = q.label(ui)
        gaps.append(
            {
                "g": g,
                "section": section.label(ui),
                "text": text,
                "initiative_url": f"{base}?{urlencode(prefill)}" if base else "",
            }
        )
    previous = [
        r
        for r in selectors.assessment_history(workspace=ws, questionnaire=q.id)
        if r.assessment.pk != a.pk
        and (a.completed_at is None or r.assessment.completed_at < a.completed_at)
    ]
    return render(
        request,
        "research/assessment.html",
        {
            "a": a,
            "q": q,
            "title": q.label(ui),
            "about": q.intro(ui),
            "sections": [
                {
                    "s": s,
                    "label": s.label(ui),
                    "score": by_section[s.id],
                    "items": [
                        {
                            "i": i,
                            "text": i.label(ui),
                            "answer": a.answers.get(i.id),
                            "comment": a.comments.get(i.id, ""),
                        }
                        for i in s.items
                    ],
                }
                for s in q.sections
            ],
            "score": score,
            "gaps": gaps,
            "previous": previous[0] if previous else None,
            "scale": range(0, 5),
            "can_edit": can_import(request.membership),
        },
    )


# --- competitors -----------------------------------------------------------------------------
@workspace_view(allow=sees_whole_workspace)
def competitors(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    if request.method == "POST":
        _writer(request)
        metric = request.POST.get("metric") if request.POST.get("metric") in METRICS else "nps"
        try:
            path, name, tmp = _upload(request)
            with tmp:
                n = services.benchmarks_import(workspace=ws, path=path, name=name, metric=metric)
            messages.success(request, _("%(n)d ratings imported.") % {"n": n})
        except CxrayError as exc:
            messages.error(request, str(exc))
        return redirect("research_competitors", ws.slug)
    metric = request.GET.get("metric") if request.GET.get("metric") in METRICS else "nps"
    names = selectors.touchpoint_names(workspace=ws)
    rows = selectors.competitor_report(workspace=ws, metric=metric)
    return render(
        request,
        "research/competitors.html",
        {
            "metric": metric,
            "metrics": METRICS,
            "rows": [
                {
                    "c": c,
                    "touchpoint": _("All touchpoints")
                    if c.touchpoint is None
                    else names.get(c.touchpoint, c.touchpoint),
                    "subject": _("Best experience anywhere")
                    if c.subject == BEST_ANYWHERE
                    else c.subject,
                    "difference": signed(c.gap.difference, 1),
                    "interval": f"{signed(c.gap.low, 1)} … {signed(c.gap.high, 1)}",
                    # Read off the interval on the page, so the badge never contradicts it.
                    "verdict": "ahead" if c.gap.low > 0 else "behind" if c.gap.high < 0 else "",
                }
                for c in rows
            ],
            "can_edit": can_import(request.membership),
        },
    )
