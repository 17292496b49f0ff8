"""Is each survey worth asking? Answers, response rate over time, and whether anyone acted.

Seed 001: don't survey for the sake of metrics. A survey earns its keep when its answers lead
to action: cases opened from its answers that someone reacted to or resolved, initiatives on
its touchpoint. A survey that has been collecting answers for longer than ``IDLE_DAYS`` with
no such action in the last ``IDLE_DAYS`` is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cxray.web.surveys.models import Invitation, Survey, SurveyResponse
from cxray.web.workspaces.models import Workspace

IDLE_DAYS = 90


@dataclass
class MonthFigures:
    month: date
    answers: int
    invited: int  # invitations sent that month (0 for link/widget-only surveys)
    answered_invitations: int

    @property
    def rate(self) -> float | None:
        """Share of that month's invitations answered, in %; None without invitations."""
        return 100 * self.answered_invitations / self.invited if self.invited else None


@dataclass
class SurveyValue:
    survey: Survey
    answers: int
    first_answer: datetime | None
    last_answer: datetime | None
    months: list[MonthFigures] = field(default_factory=list)
    cases: int = 0  # opened from this survey's answers
    cases_reacted: int = 0
    cases_resolved: int = 0
    initiatives: list = field(default_factory=list)  # on the survey's touchpoint
    last_action: datetime | None = None

    def as_dict(self) -> dict:
        """JSON-ready, for the CLI and the API."""
        return {
            "id": self.survey.pk,
            "name": self.survey.name,
            "type": self.survey.type,
            "status": self.survey.status,
            "purpose": self.survey.purpose,
            "answers": self.answers,
            "months": [
                {
                    "month": m.month.isoformat(),
                    "answers": m.answers,
                    "invited": m.invited,
                    "answered_invitations": m.answered_invitations,
                    "response_rate": m.rate,
                }
                for m in self.months
            ],
            "cases": self.cases,
            "cases_reacted": self.cases_reacted,
            "cases_resolved": self.cases_resolved,
            "initiatives": [{"id": i.pk, "title": i.title} for i in self.initiatives],
            "last_action": self.last_action.isoformat() if self.last_action else None,
            "idle": self.idle,
        }

    @property
    def idle(self) -> bool:
        """Collecting answers for over IDLE_DAYS, and no action in the last IDLE_DAYS."""
        if self.first_answer is None:
            return False
        now = timezone.now()
        old_enough = self.first_answer <= now - timedelta(days=IDLE_DAYS)
        acted = self.last_action is not None and self.last_action > now - timedelta(days=IDLE_DAYS)
        return old_enough and not acted


def survey_values(*, workspace: Workspace) -> list[SurveyValue]:
    """One :class:`SurveyValue` per survey of the workspace, newest survey first."""
    from cxray.web.cases.models import Case
    from cxray.web.initiatives.models import Initiative

    surveys = list(Survey.objects.filter(workspace=workspace).select_related("touchpoint"))
    answers = {
        r["survey"]: r
        for r in SurveyResponse.objects.filter(workspace=workspace)
        .values("survey")
        .annotate(n=Count("pk"), first=Min("created_at"), last=Max("created_at"))
    }
    cases = {
        r["response__survey"]: r
        for r in Case.objects.filter(workspace=workspace, response__isnull=False)
        .values("response__survey")
        .annotate(
            n=Count("pk"),
            reacted=Count("pk", filter=Q(first_reaction_at__isnull=False)),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False) | Q(closed_at__isnull=False)),
            last_reaction=Max("first_reaction_at"),
            last_resolved=Max("resolved_at"),
            last_closed=Max("closed_at"),
        )
    }
    initiatives: dict[int, list] = {}
    for ini in Initiative.objects.filter(workspace=workspace).prefetch_related("touchpoints"):
        for tp in ini.touchpoints.all():
            initiatives.setdefault(tp.pk, []).append(ini)
    months = _months(workspace)
    out = []
    for s in surveys:
        a = answers.get(s.pk, {})
        c = cases.get(s.pk, {})
        linked = initiatives.get(s.touchpoint_id, []) if s.touchpoint_id else []
        moments = [
            m
            for m in (c.get("last_reaction"), c.get("last_resolved"), c.get("last_closed"))
            if m is not None
        ] + [i.created_at for i in linked]
        out.append(
            SurveyValue(
                survey=s,
                answers=a.get("n", 0),
                first_answer=a.get("first"),
                last_answer=a.get("last"),
                months=months.get(s.pk, []),
                cases=c.get("n", 0),
                cases_reacted=c.get("reacted", 0),
                cases_resolved=c.get("resolved", 0),
                initiatives=linked,
                last_action=max(moments) if moments else None,
            )
        )
    return out


def _months(workspace: Workspace) -> dict[int, list[MonthFigures]]:
    """Answers, invitations sent and invitations answered per survey and calendar month."""
    table: dict[tuple[int, date], MonthFigures] = {}

    def cell(survey: int, month: datetime) -> MonthFigures:
        m = month.date().replace(day=1)  # TruncMonth works in the current time zone
        return table.setdefault((survey, m), MonthFigures(m, 0, 0, 0))

    for r in (
        SurveyResponse.objects.filter(workspace=workspace)
        .annotate(month=TruncMonth("created_at"))
        .values("survey", "month")
        .annotate(n=Count("pk"))
    ):
        cell(r["survey"], r["month"]).answers = r["n"]
    for r in (
        Invitation.objects.filter(workspace=workspace, sent_at__isnull=False)
        .annotate(month=TruncMonth("sent_at"))
        .values("survey", "month")
        .annotate(n=Count("pk"), answered=Count("responses", distinct=True))
    ):
        f = cell(r["survey"], r["month"])
        f.invited, f.answered_invitations = r["n"], r["answered"]
    out: dict[int, list[MonthFigures]] = {}
    for (survey, _m), f in sorted(table.items(), key=lambda kv: kv[0][1]):
        out.setdefault(survey, []).append(f)
    return out
