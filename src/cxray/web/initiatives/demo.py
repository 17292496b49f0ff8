"""Initiatives for the demo company, so the initiatives pages and the leadership report show
a plan and a measured effect.

The demo plants no initiative effect: the measured effect shows what chance gives, an
interval around zero, which is what a reader should learn to recognise.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from cxray.analytics.did import add_months
from cxray.web.initiatives.models import Initiative
from cxray.web.initiatives.services import action_item_add, action_item_set_done, initiative_create
from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import Unit
from cxray.web.workspaces.models import Workspace

TEXT = {
    "ru": {
        "a": "Перезванивать каждому критику записи по телефону в течение суток",
        "a_items": ("Скрипт обратного звонка", "Отчёт о перезвонах в утренней планёрке",
                    "Второй оператор в часы пик"),
        "b": "Экран очереди в регистратуре",
        "b_items": ("Выбрать поставщика экранов",),
    },
    "uk": {
        "a": "Передзвонювати кожному критику запису телефоном протягом доби",
        "a_items": ("Скрипт зворотного дзвінка", "Звіт про передзвони на ранковій нараді",
                    "Другий оператор у години пік"),
        "b": "Екран черги в реєстратурі",
        "b_items": ("Обрати постачальника екранів",),
    },
    "en": {
        "a": "Call back every detractor of phone booking within a day",
        "a_items": ("Call-back script", "Call-back report at the morning meeting",
                    "A second operator at peak hours"),
        "b": "Queue screen at reception",
        "b_items": ("Choose a screen supplier",),
    },
}  # fmt: skip


def initiatives_demo_install(*, workspace: Workspace, end: date) -> list[Initiative]:
    """Two initiatives: one started six months before ``end`` in the Kyiv branches, one
    proposed. Codes missing from the organisation are skipped, not invented."""
    text = TEXT.get(workspace.language, TEXT["en"])
    units = {u.code: u for u in Unit.objects.filter(workspace=workspace)}
    touchpoints = set(Touchpoint.objects.filter(workspace=workspace).values_list("code", flat=True))
    started = add_months(end, -6)
    a = initiative_create(
        workspace=workspace,
        title=text["a"],
        owner_unit=units.get("MEDLINE-CALL"),
        due=started + timedelta(days=90),
        touchpoint_codes=[c for c in ("booking_call",) if c in touchpoints],
        themes=["waiting"],
        expected_effect=Decimal("1500000"),
        source="cases: booking line",
        status="in_progress",
        treated_units=[units[c] for c in ("KYIV-1", "KYIV-2") if c in units],
        started=started,
        outcome="nps",
    )
    for k, task in enumerate(text["a_items"]):
        item = action_item_add(initiative=a, task=task, due=started + timedelta(days=30 * (k + 1)))
        if k < 2:
            action_item_set_done(item=item, done=True)
    b = initiative_create(
        workspace=workspace,
        title=text["b"],
        owner_unit=units.get("KYIV-1"),
        due=end + timedelta(days=60),
        themes=["waiting"],
        expected_effect=Decimal("400000"),
        source="comments: waiting",
    )
    for task in text["b_items"]:
        action_item_add(initiative=b, task=task, due=end + timedelta(days=30))
    return [a, b]
