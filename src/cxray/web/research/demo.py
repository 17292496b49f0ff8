"""Churn interviews, self-assessments and competitor ratings for the demo company, so that the
research pages show something on first start. Deterministic: the same company gives the
same records."""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import transaction
from django.utils import timezone

from cxray.analytics.competitors import BEST_ANYWHERE
from cxray.analytics.schema import METRIC_SCALES, TABLES
from cxray.web.analytics_store import analytics
from cxray.web.research.models import Assessment, ChurnInterview, ReasonStatus
from cxray.web.research.services import reason_set, reasons_suggest

if TYPE_CHECKING:
    from cxray.demo import DemoCompany
    from cxray.web.workspaces.models import Workspace

INTERVIEWER = "Мария Коваль (CX)"
RIVAL = "Клиника «Медиком»"
# (answers, reasons a person confirmed; None leaves the suggestions for review)
INTERVIEWS: list[tuple[dict[str, str], list[str] | None]] = [
    (
        {
            "value_before": "Ходили по привычке: клиника рядом с домом, вся семья там.",
            "what_changed": "Сначала сказали, что всё изменилось из-за событий. Потом признали, "
            "что просто перестали думать о профилактике.",
            "why_others_stay": "Наверное, им удобно по дороге.",
            "replaced_by": "Ничего, ходим в ближайшую, когда что-то болит.",
        },
        ["habit"],
    ),
    (
        {
            "value_before": "Ходили только к доктору Ивановой, она знала всю историю ребёнка.",
            "what_changed": "Врач уволилась, и мы ушли вслед за ней.",
            "why_others_stay": "У них, наверное, свои врачи остались.",
            "replaced_by": "Наблюдаемся у неё в другой клинике.",
        },
        ["person"],
    ),
    (
        {
            "value_before": "Годовая программа для проверок, на всякий случай.",
            "what_changed": "Честно, это давно было не особо нужно, продлевали по инерции.",
            "also_gave_up": "Отказались ещё от фитнеса и страховки.",
        },
        ["not_needed"],
    ),
    (
        {
            "value_before": "Хорошие врачи и быстрые анализы.",
            "what_changed": "Стало дорого: цены выросли на треть за год.",
            "replaced_by": "Сдаём анализы в лаборатории, там дешевле.",
        },
        ["price"],
    ),
    (
        {
            "value_before": "Наш терапевт Петренко, он всегда перезванивал сам.",
            "what_changed": "Доктор перешёл в другую клинику, новый врач не вникает.",
        },
        ["person"],
    ),
    (
        {
            "value_before": "По привычке, ходили годами.",
            "what_changed": "Цены выросли, а привычка прошла.",
            "why_others_stay": "Им, видимо, компенсирует работодатель.",
        },
        ["habit", "price"],
    ),
    (
        {
            "value_before": "Удобная онлайн-запись.",
            "what_changed": "Перешли к конкурентам: там запись в приложении и без очередей.",
        },
        None,
    ),
    (
        {
            "value_before": "Точные анализы.",
            "what_changed": "Качество стало хуже: дважды потеряли результаты.",
        },
        None,
    ),
]

# Item answers, 0..4: an audit before the CX project and one after a quarter of work.
AUDIT_BEFORE = {
    "goal_in_money": 1, "kpi_explained": 0, "kpi_not_self_counted": 1,
    "expectations_known": 1, "past_addressed": 0, "churn_interviews_held": 0,
    "real_place_known": 1, "prevention_not_blame": 1, "risk_priced": 2,
    "standards_by_staff": 1, "map_live_figures": 0, "pains_have_initiatives": 0,
    "communications_mapped": 1, "competitors_rated": 0, "market_watched": 1,
    "negative_answered": 2, "reaction_measured": 0, "surveys_have_owner": 1,
}  # fmt: skip
AUDIT_AFTER = {
    **AUDIT_BEFORE,
    "goal_in_money": 3, "kpi_explained": 2, "churn_interviews_held": 3,
    "map_live_figures": 3, "pains_have_initiatives": 2, "competitors_rated": 3,
    "negative_answered": 4, "reaction_measured": 2, "surveys_have_owner": 3,
}  # fmt: skip
ORIENTATION = {
    "tools_enough": 2, "tools_chosen_with_users": 1, "tools_self_explaining": 1,
    "portal_short_forms": 0, "portal_used_willingly": 1, "portal_errors_fixed": 0,
    "internal_customers_known": 2, "internal_response_time": 1, "internal_rated": 0,
    "internal_seams_owned": 1, "complaints_answered": 2, "complaints_no_blame": 1,
    "ideas_tried": 2, "care_in_hiring": 3, "care_for_all_customers": 3,
    "care_by_managers": 2, "care_authority": 1,
}  # fmt: skip
# What customers gave others, as the demo's own answers are asked: NPS for the clinic as a
# whole (no touchpoint), CSAT after reception and the consultation, CES after booking by phone.
# Each cell: (subject, touchpoint, metric, chance of each scale value from the lowest up).
NPS_RIVAL = (0.02, 0.02, 0.03, 0.04, 0.05, 0.07, 0.08, 0.12, 0.13, 0.19, 0.25)  # NPS about +13
NPS_BEST = (0.0, 0.0, 0.01, 0.01, 0.02, 0.02, 0.04, 0.08, 0.12, 0.25, 0.45)  # about +60
RATING_CELLS: list[tuple[str, str | None, str, tuple[float, ...]]] = [
    (RIVAL, None, "nps", NPS_RIVAL),
    (BEST_ANYWHERE, None, "nps", NPS_BEST),
    (RIVAL, "reception", "csat", (0.03, 0.05, 0.12, 0.35, 0.45)),
    (BEST_ANYWHERE, "reception", "csat", (0.01, 0.01, 0.03, 0.25, 0.70)),
    (RIVAL, "consultation", "csat", (0.02, 0.04, 0.10, 0.34, 0.50)),
    (BEST_ANYWHERE, "consultation", "csat", (0.01, 0.01, 0.03, 0.20, 0.75)),
    (RIVAL, "booking_call", "ces", (0.05, 0.05, 0.10, 0.15, 0.25, 0.25, 0.15)),
    (BEST_ANYWHERE, "booking_call", "ces", (0.02, 0.03, 0.05, 0.10, 0.20, 0.30, 0.30)),
]
RATINGS_PER_CELL = 80


def research_demo_install(*, workspace: Workspace, company: DemoCompany) -> None:
    churned = company.customers.filter(pc.equal(company.customers["churned"], True))
    ids = sorted(churned["customer_id"].to_pylist())[: len(INTERVIEWS)]
    end = company.end
    with transaction.atomic():
        for k, (customer_id, (answers, confirmed)) in enumerate(zip(ids, INTERVIEWS, strict=False)):
            interview = ChurnInterview.objects.create(
                workspace=workspace,
                customer_id=customer_id,
                held_on=end - timedelta(days=5 + 3 * k),
                interviewer=INTERVIEWER,
                language="ru",
                **answers,
            )
            for code in confirmed or ():
                reason_set(interview=interview, code=code, status=ReasonStatus.CONFIRMED)
            reasons_suggest(interview=interview)
        now = timezone.now()
        Assessment.objects.create(
            workspace=workspace,
            questionnaire="cx_audit",
            title="До проекта",
            answers=AUDIT_BEFORE,
            completed_at=now - timedelta(days=120),
        )
        Assessment.objects.create(
            workspace=workspace,
            questionnaire="cx_audit",
            title="Через квартал",
            answers=AUDIT_AFTER,
            completed_at=now - timedelta(days=10),
        )
        Assessment.objects.create(
            workspace=workspace,
            questionnaire="customer_orientation",
            answers=ORIENTATION,
            comments={"portal_short_forms": "Заявка на отпуск — 20 полей в 1С."},
            completed_at=now - timedelta(days=30),
        )
    _ratings(workspace.slug, company)


def _ratings(slug: str, company: DemoCompany) -> None:
    rng = np.random.default_rng(2024)
    customers = company.customers["customer_id"].to_pylist()
    at = datetime.combine(company.end - timedelta(days=30), time(12))
    rows = []
    for subject, touchpoint, metric, chances in RATING_CELLS:
        low = METRIC_SCALES[metric][0]
        scores = low + rng.choice(len(chances), size=RATINGS_PER_CELL, p=chances)
        who = rng.choice(len(customers), size=RATINGS_PER_CELL, replace=False)
        for i, (score, c) in enumerate(zip(scores, who, strict=True)):
            key = f"demo|{subject}|{touchpoint}|{metric}|{i}"
            rows.append(
                {
                    "workspace": slug,
                    "row_key": hashlib.md5(key.encode(), usedforsecurity=False).hexdigest(),
                    "customer_id": customers[int(c)],
                    "at": at,
                    "touchpoint_id": touchpoint,
                    "subject": subject,
                    "metric": metric,
                    "score": float(score),
                }
            )
    table = pa.Table.from_pylist(rows, schema=TABLES["benchmark_ratings"].to_pyarrow())
    with analytics() as store, store.transaction():
        store.write("benchmark_ratings", table)
