"""Cases for the demo company: the low scores of its last months, some handled in time, some
late, some still open, so that the case pages and the reaction figures are not empty.

Which cases were handled is drawn at random (a fixed seed), not from who stayed: the demo
does not plant a reaction effect, so the "does reacting keep customers?" comparison shows
what chance gives, an interval around no difference.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pyarrow as pa
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cxray.analytics.reaction import is_low_score
from cxray.web.cases.models import Case, CaseEvent, CaseStatus, EventKind
from cxray.web.cases.routing import CaseFacts, owner_for
from cxray.web.cases.selectors import case_settings_get
from cxray.web.people.models import Employee
from cxray.web.workspaces.models import Workspace

DAYS_BACK = 200
MAX_CASES = 150
CONTACTS = {
    "ru": (
        "Позвонили клиенту, извинились, предложили повторный приём без оплаты.",
        "Клиент принял извинения; провели разбор с администратором.",
    ),
    "uk": (
        "Зателефонували клієнту, вибачилися, запропонували повторний прийом без оплати.",
        "Клієнт прийняв вибачення; провели розбір з адміністратором.",
    ),
    "en": (
        "Called the customer, apologised, offered a free follow-up visit.",
        "The customer accepted the apology; reviewed the visit with the front desk.",
    ),
}


def cases_demo_install(*, workspace: Workspace, responses: pa.Table, seed: int = 11) -> int:
    """Open cases for the demo's recent low scores; return how many were opened."""
    rng = random.Random(seed)
    rows = responses.select(
        [
            "customer_id",
            "touchpoint_id",
            "unit_id",
            "employee_id",
            "at",
            "metric",
            "score",
            "comment",
        ]
    ).to_pylist()
    if not rows:
        return 0
    end = max(r["at"] for r in rows)
    low = [
        r
        for r in rows
        if r["customer_id"]
        and r["at"] >= end - timedelta(days=DAYS_BACK)
        and is_low_score(r["metric"], r["score"])
    ]
    low.sort(key=lambda r: r["at"])
    if len(low) > MAX_CASES:
        low = sorted(rng.sample(low, MAX_CASES), key=lambda r: r["at"])
    # The comments' first theme, as the intake gives live cases (root-cause groups need it).
    from cxray.text import analyze

    themes = [
        (a.themes[0].theme if a.themes else "") if (r["comment"] or "").strip() else ""
        for r, a in zip(low, analyze([r["comment"] or "" for r in low]), strict=True)
    ]
    hours = case_settings_get(workspace=workspace).reaction_hours
    users = list(get_user_model().objects.filter(memberships__workspace=workspace))
    employees = set(Employee.objects.filter(workspace=workspace).values_list("code", flat=True))
    lang = workspace.language if workspace.language in CONTACTS else "en"
    tz = timezone.get_current_timezone()
    # The demo's facts end at its "today"; cases are placed in the real present so that the
    # recent ones are open and some are past their deadline right now.
    shift = timezone.now() - timezone.make_aware(datetime.combine(end.date(), end.time()), tz)
    cases, events, done = [], [], 0
    with transaction.atomic():
        for i, r in enumerate(low):
            opened = timezone.make_aware(r["at"], tz) + shift - timedelta(hours=1)
            owner = owner_for(
                workspace,
                CaseFacts(
                    touchpoint_code=r["touchpoint_id"] or "",
                    unit_code=r["unit_id"] or "",
                    theme=themes[i],
                ),
            )
            due = opened + timedelta(hours=hours)
            text = (r["comment"] or "").strip()
            metric, score = r["metric"], int(r["score"])
            case = Case(
                workspace=workspace,
                title=(f"{metric.upper()} {score}" + (f" · {text[:100]}" if text else "")),
                reason="low_score",
                customer_id=r["customer_id"],
                touchpoint_code=r["touchpoint_id"] or "",
                unit_code=r["unit_id"] or "",
                employee_code=r["employee_id"] if r["employee_id"] in employees else "",
                metric=metric,
                score=score,
                theme=themes[i],
                owner_unit=owner.unit,
                owner_user=owner.user,
                opened_at=opened,
                due_at=due,
                first_due_at=due,
            )
            age = timezone.now() - opened
            draw = rng.random()
            if draw < 0.55:  # handled in time
                case.first_reaction_at = opened + timedelta(hours=rng.uniform(0.5, hours * 0.8))
            elif draw < 0.75:  # late
                case.first_reaction_at = opened + timedelta(hours=rng.uniform(hours + 2, hours * 3))
            if case.first_reaction_at and case.first_reaction_at > timezone.now():
                case.first_reaction_at = None
            if case.first_reaction_at and age > timedelta(days=7) and rng.random() < 0.85:
                closed = case.first_reaction_at + timedelta(hours=rng.uniform(2, 120))
                if closed < timezone.now():
                    case.status = CaseStatus.CLOSED
                    case.resolved_at = case.closed_at = closed
                    case.resolution = CONTACTS[lang][1]
                    done += 1
            elif case.first_reaction_at:
                case.status = CaseStatus.IN_PROGRESS
            cases.append((case, text, rng.choice(users) if users else None))
        Case.objects.bulk_create([c for c, _, _ in cases])
        for case, text, by in cases:
            events.append(CaseEvent(case=case, kind=EventKind.OPENED, text=text, at=case.opened_at))
            if case.first_reaction_at:
                events.append(
                    CaseEvent(
                        case=case,
                        kind=EventKind.CONTACT,
                        channel="phone",
                        text=CONTACTS[lang][0],
                        by=by,
                        at=case.first_reaction_at,
                    )
                )
            if case.closed_at:
                events.append(
                    CaseEvent(
                        case=case,
                        kind=EventKind.RESOLVED,
                        text=case.resolution,
                        by=by,
                        at=case.closed_at,
                    )
                )
        CaseEvent.objects.bulk_create(events)
    return len(cases)
