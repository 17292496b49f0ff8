"""Reads of the research app: interviews with the customer's history, reasons by segment,
self-assessment scores and history, competitor comparisons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from cxray.analytics.assessment import AssessmentScore, score_assessment, score_change
from cxray.analytics.competitors import SubjectComparison, competitor_comparison
from cxray.analytics.interview_reasons import SegmentReasons, reasons_by_segment
from cxray.text.churn_reasons import REASON_CODES
from cxray.web.analytics_store import analytics
from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import Employee
from cxray.web.research.models import (
    Assessment,
    ChurnInterview,
    InterviewReason,
    ReasonStatus,
)
from cxray.web.research.questionnaires import questionnaire_get
from cxray.web.workspaces.models import Workspace

HISTORY_ROWS = 20
QUOTE_CHARS = 300


# --- churn interviews ------------------------------------------------------------------------
def interview_list(
    *, workspace: Workspace, reason: str | None = None, unreviewed: bool = False
) -> QuerySet[ChurnInterview]:
    qs = ChurnInterview.objects.filter(workspace=workspace).prefetch_related(
        Prefetch("reasons", queryset=InterviewReason.objects.order_by("-confidence", "code"))
    )
    if reason:
        qs = qs.filter(reasons__code=reason, reasons__status=ReasonStatus.CONFIRMED)
    if unreviewed:
        qs = qs.filter(reasons__status=ReasonStatus.SUGGESTED).distinct()
    return qs


MAX_PK = 2**63 - 1  # beyond this, SQLite raises on the lookup instead of finding nothing


def interview_get(*, workspace: Workspace, pk: int) -> ChurnInterview:
    if not 0 < pk <= MAX_PK:
        raise Http404("no such interview")
    found = ChurnInterview.objects.filter(workspace=workspace, pk=pk).first()
    if found is None:
        raise Http404("no such interview")
    return found


def customer_segments(*, workspace: Workspace, customer_ids: list[str]) -> dict[str, str]:
    if not customer_ids:
        return {}
    with analytics() as store:
        t = store.table("customers", workspace.slug)
        rows = (
            t.filter(t.customer_id.isin(customer_ids))
            .select("customer_id", "segment")
            .to_pyarrow()
            .to_pylist()
        )
    return {r["customer_id"]: r["segment"] for r in rows if r["segment"]}


@dataclass(frozen=True)
class CustomerHistory:
    customer: dict[str, Any] | None
    purchases: int
    revenue: float
    last_purchase: Any
    transactions: list[dict[str, Any]]
    interactions: list[dict[str, Any]]
    responses: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "purchases": self.purchases,
            "revenue": self.revenue,
            "last_purchase": self.last_purchase,
            "transactions": self.transactions,
            "interactions": self.interactions,
            "responses": self.responses,
        }


def customer_history(*, workspace: Workspace, customer_id: str) -> CustomerHistory:
    """What the analytics store knows of one customer: who, purchases, contacts, scores."""
    with analytics() as store:
        c = store.table("customers", workspace.slug)
        customer = c.filter(c.customer_id == customer_id).drop("workspace", "attributes")
        rows = customer.limit(1).to_pyarrow().to_pylist()
        tx = store.table("transactions", workspace.slug)
        tx = tx.filter(tx.customer_id == customer_id)
        totals = tx.aggregate(n=tx.count(), total=tx.amount.sum(), last=tx.at.max())
        total = totals.to_pyarrow().to_pylist()[0]
        transactions = (
            tx.order_by(tx.at.desc())
            .select("at", "amount", "product", "unit_id", "employee_id")
            .limit(HISTORY_ROWS)
            .to_pyarrow()
            .to_pylist()
        )
        it = store.table("interactions", workspace.slug)
        interactions = (
            it.filter(it.customer_id == customer_id)
            .order_by(it.at.desc())
            .select("at", "touchpoint_id", "channel", "employee_id", "unit_id")
            .limit(HISTORY_ROWS)
            .to_pyarrow()
            .to_pylist()
        )
        rs = store.table("responses", workspace.slug)
        responses = (
            rs.filter(rs.customer_id == customer_id)
            .order_by(rs.at.desc())
            .select("at", "metric", "score", "touchpoint_id", "employee_id", "comment")
            .limit(HISTORY_ROWS)
            .to_pyarrow()
            .to_pylist()
        )
    return CustomerHistory(
        customer=rows[0] if rows else None,
        purchases=int(total["n"] or 0),
        revenue=float(total["total"] or 0.0),
        last_purchase=total["last"],
        transactions=transactions,
        interactions=interactions,
        responses=responses,
    )


def _quote(interview: ChurnInterview, reason: InterviewReason) -> str:
    text = getattr(interview, reason.question, "") if reason.question else ""
    text = text or interview.what_changed or interview.value_before
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def reason_report(*, workspace: Workspace) -> list[SegmentReasons]:
    """Confirmed reasons by segment (the interview's own segment, else the customer's)."""
    interviews = list(interview_list(workspace=workspace))
    segments = customer_segments(
        workspace=workspace,
        customer_ids=sorted({i.customer_id for i in interviews if not i.segment}),
    )
    records = []
    for i in interviews:
        confirmed = [r for r in i.reasons.all() if r.status == ReasonStatus.CONFIRMED]
        records.append(
            {
                "segment": i.segment or segments.get(i.customer_id),
                "reasons": [r.code for r in confirmed],
                "quotes": {r.code: [_quote(i, r)] for r in confirmed},
            }
        )
    return reasons_by_segment(records, order=REASON_CODES)


# --- self-assessments ------------------------------------------------------------------------
def assessment_list(
    *, workspace: Workspace, questionnaire: str | None = None
) -> QuerySet[Assessment]:
    qs = Assessment.objects.filter(workspace=workspace)
    return qs.filter(questionnaire=questionnaire) if questionnaire else qs


def assessment_get(*, workspace: Workspace, pk: int) -> Assessment:
    if not 0 < pk <= MAX_PK:
        raise Http404("no such assessment")
    found = Assessment.objects.filter(workspace=workspace, pk=pk).first()
    if found is None:
        raise Http404("no such assessment")
    return found


def assessment_score(*, assessment: Assessment) -> AssessmentScore:
    q = questionnaire_get(assessment.questionnaire)
    known = {i for _s, items in q.structure for i in items}
    # A later version of a questionnaire may drop items: score what still exists.
    answers = {k: v for k, v in assessment.answers.items() if k in known}
    return score_assessment(q.structure, answers)


@dataclass(frozen=True)
class AssessmentRun:
    assessment: Assessment
    score: AssessmentScore
    change: dict[str, float | None] | None  # against the previous completed one


def assessment_history(*, workspace: Workspace, questionnaire: str) -> list[AssessmentRun]:
    """Completed assessments of one questionnaire, newest first, each compared with the one
    completed before it."""
    done = list(
        assessment_list(workspace=workspace, questionnaire=questionnaire)
        .filter(completed_at__isnull=False)
        .order_by("completed_at", "pk")
    )
    out: list[AssessmentRun] = []
    previous: AssessmentScore | None = None
    for a in done:
        s = assessment_score(assessment=a)
        out.append(AssessmentRun(a, s, score_change(previous, s) if previous else None))
        previous = s
    return out[::-1]


# --- competitors -----------------------------------------------------------------------------
def competitor_report(
    *, workspace: Workspace, metric: str = "nps", min_n: int = 30
) -> list[SubjectComparison]:
    with analytics() as store:
        return competitor_comparison(
            store.table("responses", workspace.slug),
            store.table("benchmark_ratings", workspace.slug),
            metric=metric,
            min_n=min_n,
        )


def touchpoint_names(*, workspace: Workspace) -> dict[str, str]:
    return dict(Touchpoint.objects.filter(workspace=workspace).values_list("code", "name"))


def employee_names(*, workspace: Workspace) -> dict[str, str]:
    return dict(Employee.objects.filter(workspace=workspace).values_list("code", "name"))
