"""The truths planted in the demo company, in one place for the generator, the docs and tests.

Days are counted from the first day of the two-year history (``start = end - 730 days``),
so the demo keeps the same shape whatever ``end`` is; :func:`cxray.demo.generate` resolves
them to dates in ``DemoCompany.planted``.
"""

from __future__ import annotations

from typing import Any

HISTORY_DAYS = 730
CHURN_AFTER_DAYS = 180  # no visit for this long = churned (see the package docstring)

DOCTOR_ID = "E0047"
DOCTOR_NAME = "Ковальчук Олена Петрівна"
DOCTOR_UNIT = "KYIV-1-THER"
DOCTOR_LEAVES_DAY = 425  # about 14 months into the history

PRICE_RISE_DAY = 455  # about 15 months in
PRICE_RISE = 0.18  # +18 % on every service

CORPORATE_SEGMENT = "Корпоративные (ДМС)"
INSURER_SWITCH_DAY = 520  # about 17 months in; +180 days still falls inside the history
SWITCHED_EMPLOYERS = ("ТОВ «Агротрейд Поділля»", "ПАТ «Сталь-Інвест»", "ТОВ «Кодлайн Студіо»")

BAD_TOUCHPOINT = "booking_call"
EX_CX_UNIT = "ODESA-1"
# Raters (every branch's reception) and the rated department of the worst internal seam.
INTERNAL_SEAM = ("-REC", "MEDLINE-CALL")

PLANTED: dict[str, dict[str, Any]] = {
    "attachment_to_person": {
        "employee_id": DOCTOR_ID,
        "name": DOCTOR_NAME,
        "unit_id": DOCTOR_UNIT,
        "leaves_day": DOCTOR_LEAVES_DAY,
        "attached_rule": ">=70% of a patient's consultations before she leaves were with her "
        "(and at least 2 consultations)",
        "expected_churn_6m_attached": 0.65,
        "expected_churn_6m_comparable": 0.2,
    },
    "habit_customers": {
        "price_rise_day": PRICE_RISE_DAY,
        "price_rise": PRICE_RISE,
        "rule": "about 4% of patients visit every ~30 days (coefficient of variation of gaps "
        "< 0.3); most of them stop within a few months after the price rise while their "
        "scores stay passive (NPS 7-8) and they never mention prices",
        "expected_churned_habit": 0.8,
        "expected_churned_other_regular": 0.25,
    },
    "high_nps_before_churn": {
        "segment": CORPORATE_SEGMENT,
        "switch_day": INSURER_SWITCH_DAY,
        "employers": list(SWITCHED_EMPLOYERS),
        "rule": "employees of these employers lose their clinic cover at the switch and stop "
        "coming; they scored 9-10 until the end (customers.attributes.employer)",
        "expected_mean_nps_last_90d": 8.6,
        "expected_churn_active_at_switch": 0.65,
    },
    "bad_touchpoint": {
        "touchpoint_id": BAD_TOUCHPOINT,
        "metric": "ces",
        "bad_rule": "CES <= 3 on a 1-7 scale where 7 = very easy (CES 2.0 agreement scale)",
        "expected_hazard_ratio": 2.8,
        "control": "bad reception (CSAT <= 2) lowers scores but barely changes churn",
    },
    "internal_seam": {
        "raters": "every branch reception (unit ids ending in -REC)",
        "rated_unit_id": INTERNAL_SEAM[1],
        "rule": "receptions rate the call centre poorly (internal NPS about -60) while "
        "departments rate each other at about +20; ODESA-1 departments are rated lower",
    },
    "ex_cx_link": {
        "unit_id": EX_CX_UNIT,
        "rule": "every department of this branch has low eNPS (about -55 against about +10 "
        "elsewhere), higher staff turnover, and customer NPS about 25 points below the rest",
    },
}
