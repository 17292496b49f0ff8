"""Turns simulated visits into the journey's interactions and the payments.

Times stay as fractional days since the history began until the generator converts them;
staff on duty are picked per visit so that surveys can name the same person later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxray.demo import org
from cxray.demo.patients import BOOK_CALL, BOOK_ONLINE, CHRONIC, Patients, Visits
from cxray.demo.planted import HISTORY_DAYS, PRICE_RISE, PRICE_RISE_DAY
from cxray.demo.staff import StaffIndex

MINUTE = 1.0 / 1440.0

# Consultation product and price range (UAH, before the price rise) per clinical department.
PRODUCTS = [
    ("Консультация терапевта", 600.0, 1100.0),
    ("Консультация педиатра", 550.0, 1000.0),
    ("УЗИ-диагностика", 700.0, 1500.0),
    ("Стоматологическое лечение", 900.0, 4500.0),
]
LAB_PRODUCT = "Лабораторные анализы"


@dataclass
class Journey:
    """Per-visit times and staff of the steps around a visit (aligned with ``Visits``)."""

    booked_at: np.ndarray
    operator: np.ndarray  # -1 unless booked by phone
    admin: np.ndarray
    reception_at: np.ndarray
    consult_at: np.ndarray
    lab_staff: np.ndarray
    results_at: np.ndarray  # NaN without lab tests
    paid_at: np.ndarray


def journey(rng: np.random.Generator, v: Visits, staff: StaffIndex) -> Journey:
    n = len(v.pid)
    lead = rng.uniform(0.3, 10.0, n)
    call_hour = rng.uniform(8.0, 20.0, n)
    web_hour = rng.uniform(7.0, 23.5, n)
    hour = np.where(v.booking == BOOK_CALL, call_hour, web_hour) / 24.0
    booked_at = np.minimum(np.floor(v.at - lead) + hour, v.at - 60 * MINUTE)
    day = np.floor(v.at)
    branch_codes = np.array([b.code for b in org.BRANCHES], dtype=object)
    rec_units = branch_codes[v.branch] + "-REC"
    diag_units = branch_codes[v.branch] + "-DIAG"
    call_units = np.full(n, org.CALL_CENTRE, dtype=object)
    operator = np.where(
        v.booking == BOOK_CALL, staff.pick(rng, call_units, "operator", np.floor(booked_at)), -1
    )
    wait = np.where(v.bad_reception, rng.uniform(45, 95, n), rng.uniform(3, 25, n))
    consult_at = v.at + wait * MINUTE
    delay = np.where(v.bad_results, rng.uniform(5, 10, n), rng.uniform(0.3, 2.5, n))
    return Journey(
        booked_at=booked_at,
        operator=operator,
        admin=staff.pick(rng, rec_units, "admin", day),
        reception_at=v.at - rng.uniform(2, 15, n) * MINUTE,
        consult_at=consult_at,
        lab_staff=np.where(v.lab, staff.pick(rng, diag_units, "lab", day), -1),
        results_at=np.where(v.lab, consult_at + delay, np.nan),
        paid_at=consult_at + rng.uniform(15, 30, n) * MINUTE + v.lab * 12 * MINUTE,
    )


def _part(mask: np.ndarray, pid, at, tp: str, channel, emp, unit) -> pd.DataFrame:
    n = int(mask.sum())

    def pick(x):  # scalars broadcast, arrays are filtered
        return np.broadcast_to(x, mask.shape)[mask] if np.ndim(x) else np.full(n, x, dtype=object)

    return pd.DataFrame(
        {"pid": pid[mask], "at": at[mask], "touchpoint_id": tp, "channel": pick(channel),
         "emp": pick(emp), "unit_id": pick(unit)}
    )  # fmt: skip


def interactions(
    rng: np.random.Generator, p: Patients, v: Visits, j: Journey, staff: StaffIndex
) -> pd.DataFrame:
    """Every visit's journey: (search), booking, reception, consultation, (lab, results),
    payment, (follow-up call)."""
    n = len(v.pid)
    branch_codes = np.array([b.code for b in org.BRANCHES], dtype=object)
    rec = branch_codes[v.branch] + "-REC"
    diag = branch_codes[v.branch] + "-DIAG"
    pid, yes = v.pid, np.ones(n, dtype=bool)
    search = v.first_new & (rng.random(n) < 0.7)
    search_at = j.booked_at - rng.uniform(0.02, 3.0, n)
    chronic = p.segment[pid] == CHRONIC
    follow = rng.random(n) < np.where(chronic | p.habit[pid], 0.35, 0.12)
    follow_at = v.at + rng.uniform(5, 14, n) + rng.uniform(-0.1, 0.2, n)
    follow_op = staff.pick(rng, np.full(n, org.CALL_CENTRE, dtype=object), "operator",
                           np.floor(follow_at))  # fmt: skip
    results_channel = np.where(rng.random(n) < 0.7, "sms", "email").astype(object)
    parts = [
        _part(search, pid, search_at, "search", "web", -1, org.COMPANY_ID),
        _part(v.booking == BOOK_CALL, pid, j.booked_at, "booking_call", "phone", j.operator,
              org.CALL_CENTRE),
        _part(v.booking == BOOK_ONLINE, pid, j.booked_at, "booking_online", "web", -1, rec),
        _part(yes, pid, j.reception_at, "reception", "offline", j.admin, rec),
        _part(yes, pid, j.consult_at, "consultation", "offline", v.doctor, v.unit),
        _part(v.lab, pid, j.consult_at + 25 * MINUTE, "lab", "offline", j.lab_staff, diag),
        _part(v.lab, pid, j.results_at, "results", results_channel, -1, diag),
        _part(yes, pid, j.paid_at, "payment", "offline", j.admin, rec),
        _part(follow, pid, follow_at, "followup", "phone", follow_op, org.CALL_CENTRE),
    ]  # fmt: skip
    df = pd.concat(parts, ignore_index=True)
    return df[(df["at"] >= 0) & (df["at"] < HISTORY_DAYS + 1)]


def transactions(rng: np.random.Generator, v: Visits, j: Journey) -> pd.DataFrame:
    """A consultation payment per visit plus lab tests; prices rise once, plus slow inflation."""
    n = len(v.pid)
    lo = np.array([x[1] for x in PRODUCTS])[v.dept]
    hi = np.array([x[2] for x in PRODUCTS])[v.dept]
    # Dental bills are skewed: most are fillings, a few are long treatments.
    spread = np.where(v.dept == 3, rng.beta(1.3, 3.5, n), rng.random(n))
    day = np.floor(v.at)
    price_index = (1.0 + 0.04 * day / 365.0) * np.where(
        day >= PRICE_RISE_DAY, 1.0 + PRICE_RISE, 1.0
    )
    consult = np.round((lo + spread * (hi - lo)) * price_index, -1)
    tests = rng.integers(1, 7, n)
    lab_amount = np.round(tests * rng.uniform(180, 520, n) * price_index, -1)
    pay_at = j.paid_at
    products = np.array([x[0] for x in PRODUCTS], dtype=object)[v.dept]
    branch_codes = np.array([b.code for b in org.BRANCHES], dtype=object)
    a = pd.DataFrame(
        {"pid": v.pid, "at": pay_at, "amount": consult, "quantity": 1.0, "product": products,
         "unit_id": v.unit, "emp": v.doctor}
    )  # fmt: skip
    m = v.lab
    b = pd.DataFrame(
        {"pid": v.pid[m], "at": pay_at[m] + MINUTE, "amount": lab_amount[m],
         "quantity": tests[m].astype(float), "product": LAB_PRODUCT,
         "unit_id": branch_codes[v.branch[m]] + "-DIAG", "emp": j.lab_staff[m]}
    )  # fmt: skip
    return pd.concat([a, b], ignore_index=True)
