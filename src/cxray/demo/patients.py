"""Patients and their visits: who they are, how often they come, and when they stop coming.

The visit process is simulated for all patients at once, one visit number per step, so the
Python loop runs about fifty times however many patients there are. Every planted truth is a
reason to stop coming, applied just before a visit would have happened (the visit then never
appears in the data) or just after a visit (it becomes the last one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxray.demo import org
from cxray.demo.planted import (
    DOCTOR_ID,
    DOCTOR_LEAVES_DAY,
    EX_CX_UNIT,
    HISTORY_DAYS,
    INSURER_SWITCH_DAY,
    PRICE_RISE_DAY,
    SWITCHED_EMPLOYERS,
)
from cxray.demo.staff import StaffIndex

SEGMENTS = ["Семьи с детьми", "Корпоративные (ДМС)", "Хронические пациенты", "Разовые визиты"]
FAMILY, CORPORATE, CHRONIC, ONE_OFF = range(4)
SEGMENT_SHARE = [0.30, 0.20, 0.20, 0.30]
VISITS_PER_YEAR = np.array([5.0, 4.0, 8.0, 1.2])
GAP_SHAPE = np.array([2.0, 2.0, 3.0, 1.5])  # higher = more regular gaps between visits
DROP_AFTER_VISIT = np.array([0.035, 0.03, 0.02, 0.4])  # chance a visit is the last one
CLINICAL = ["THER", "PED", "DIAG", "DENT"]  # departments where a doctor sees the patient
DEPT_BY_SEGMENT = np.array(
    [[0.15, 0.65, 0.10, 0.10], [0.55, 0.0, 0.25, 0.20], [0.70, 0.0, 0.25, 0.05],
     [0.45, 0.15, 0.20, 0.20]]
)  # fmt: skip
LAB_CHANCE = np.array([0.45, 0.30, 0.60, 0.02])  # by clinical department
EMPLOYERS = [*SWITCHED_EMPLOYERS, "ТОВ «Нова Логістика Плюс»", "АТ «Будінвест Груп»",
             "ТОВ «Фармадистриб»", "ПрАТ «Хлібодар»", "ТОВ «Кавова Миля»"]  # fmt: skip
EMPLOYER_SHARE = np.array([0.25, 0.22, 0.18, 0.1, 0.08, 0.07, 0.05, 0.05])
LANGS = np.array(["ru", "uk", "en"])
LANG_BY_CITY = {"Киев": [0.5, 0.4, 0.1], "Львов": [0.22, 0.7, 0.08]}
OTHER_CITY_LANG = [0.7, 0.2, 0.1]
BOOK_CALL, BOOK_ONLINE, WALK_IN = range(3)


@dataclass
class Patients:
    n: int
    segment: np.ndarray
    habit: np.ndarray
    branch: np.ndarray  # home clinic, index into org.BRANCHES
    lang: np.ndarray
    female: np.ndarray
    age: np.ndarray
    employer: np.ndarray  # index into EMPLOYERS, -1 for non-corporate
    switched: np.ndarray  # employer changed insurer: loses clinic cover
    existing: np.ndarray  # already a patient before the history starts
    since: np.ndarray  # first-seen day for existing patients (negative)
    t0: np.ndarray  # first visit day inside the history
    rate: np.ndarray  # visits per day
    shape: np.ndarray
    loyalty: np.ndarray  # chance to see one's own doctor when possible
    main_dept: np.ndarray  # index into CLINICAL
    harsh: np.ndarray  # -1, 0, +1: how this person uses the scale


def draw_patients(rng: np.random.Generator, n: int) -> Patients:
    seg = rng.choice(4, size=n, p=SEGMENT_SHARE)
    # Habit customers: regular monthly check-ups (chronic patients, babies' follow-up).
    habit = ((seg == CHRONIC) & (rng.random(n) < 0.13)) | ((seg == FAMILY) & (rng.random(n) < 0.06))
    share = np.array([b.share for b in org.BRANCHES])
    branch = rng.choice(len(share), size=n, p=share / share.sum())
    lang = np.empty(n, dtype=object)
    for b, br in enumerate(org.BRANCHES):
        rows = np.flatnonzero(branch == b)
        p = LANG_BY_CITY.get(br.city, OTHER_CITY_LANG)
        lang[rows] = LANGS[rng.choice(3, size=len(rows), p=p)]
    age = np.select(
        [seg == FAMILY, seg == CORPORATE, seg == CHRONIC],
        [rng.integers(24, 46, n), rng.integers(22, 61, n), rng.integers(42, 84, n)],
        rng.integers(18, 75, n),
    )
    employer = np.where(seg == CORPORATE, rng.choice(len(EMPLOYERS), n, p=EMPLOYER_SHARE), -1)
    switched = (employer >= 0) & (employer < len(SWITCHED_EMPLOYERS))
    rate = VISITS_PER_YEAR[seg] * rng.gamma(8.0, 0.125, n) / 365.0
    shape = GAP_SHAPE[seg].copy()
    rate[habit] = rng.uniform(11.0, 13.0, habit.sum()) / 365.0
    shape[habit] = 30.0
    existing = rng.random(n) < 0.55
    since = -rng.integers(30, 1800, n).astype(float)
    # Existing patients are mid-cycle on day 0; new ones arrive over time, a bit more later
    # on (the chain grows), and nobody new joins through an employer that already left.
    first_gap = rng.exponential(1.0, n) / rate
    grow = np.where(rng.random(n) < 0.5, rng.random(n), np.sqrt(rng.random(n)))
    horizon = np.where(switched, INSURER_SWITCH_DAY - 1, HISTORY_DAYS - 5)
    t0 = np.where(existing, np.minimum(first_gap, horizon), grow * horizon)
    main = (rng.random(n)[:, None] > np.cumsum(DEPT_BY_SEGMENT[seg], axis=1)).sum(axis=1)
    return Patients(
        n=n, segment=seg, habit=habit, branch=branch, lang=lang, female=rng.random(n) < 0.62,
        age=age, employer=employer, switched=switched, existing=existing, since=since, t0=t0,
        rate=rate, shape=shape, loyalty=rng.beta(5.0, 1.5, n), main_dept=np.minimum(main, 3),
        harsh=rng.choice([-1, 0, 1], size=n, p=[0.15, 0.7, 0.15]),
    )  # fmt: skip


@dataclass
class Visits:
    """One row per visit, all arrays of equal length, in simulation order."""

    pid: np.ndarray
    at: np.ndarray  # visit start, fractional day since the history began
    branch: np.ndarray
    dept: np.ndarray  # index into CLINICAL
    unit: np.ndarray  # department unit_id of the consultation
    doctor: np.ndarray  # index into the staff list
    booking: np.ndarray  # BOOK_CALL, BOOK_ONLINE or WALK_IN
    bad_booking: np.ndarray  # a painful call to the call centre (the planted touchpoint)
    bad_online: np.ndarray
    bad_reception: np.ndarray  # long wait or rude front desk
    lab: np.ndarray
    bad_results: np.ndarray  # results late or lost
    bad_payment: np.ndarray
    first_new: np.ndarray  # the first visit ever of a patient new to the chain


def simulate(
    rng: np.random.Generator, p: Patients, staff: StaffIndex, start_weekday: int
) -> Visits:
    """Run every patient's visits through the two years; see the module docstring."""
    n_all = p.n
    her_idx = int(np.flatnonzero(staff.ids == DOCTOR_ID)[0])
    branch_codes = np.array([b.code for b in org.BRANCHES], dtype=object)
    dept_codes = np.array(CLINICAL, dtype=object)
    has_dent = np.array([b.dentistry for b in org.BRANCHES])
    share = np.array([b.share for b in org.BRANCHES])
    share = share / share.sum()
    ex_cx = [b.code for b in org.BRANCHES].index(EX_CX_UNIT)

    t = p.t0.copy()
    alive = np.ones(n_all, dtype=bool)
    n_cons = np.zeros(n_all)
    n_her = np.zeros(n_all)
    primary = np.full(n_all, -1)
    handled = np.zeros(n_all, dtype=bool)
    rows: list[dict[str, np.ndarray]] = []
    while True:
        idx = np.flatnonzero(alive & (t < HISTORY_DAYS))
        if len(idx) == 0:
            break
        tt = t[idx]
        seen = n_cons[idx] > 0
        # 1. Attachment: her patients decide at their first visit after she left.
        share_her = n_her[idx] / np.maximum(n_cons[idx], 1)
        her = seen & (n_her[idx] > 0) & (tt > DOCTOR_LEAVES_DAY) & ~handled[idx]
        handled[idx[her]] = True
        p_att = np.where(
            share_her >= 0.7,
            np.where(n_cons[idx] >= 2, 0.58, 0.4),
            np.where(share_her >= 0.3, 0.2, 0.05),
        )
        drop = her & (rng.random(len(idx)) < p_att)
        # Other doctors who left lose a few patients too, far fewer.
        prim = primary[idx]
        gone = seen & (prim >= 0) & (prim != her_idx) & (staff.left[np.maximum(prim, 0)] < tt)
        drop |= gone & (rng.random(len(idx)) < 0.1)
        # 2. Corporate cover ends at the insurer switch, however happy the patient was.
        drop |= seen & p.switched[idx] & (tt > INSURER_SWITCH_DAY) & (rng.random(len(idx)) < 0.92)
        # 3. Habit customers quietly stop after the price rise.
        drop |= seen & p.habit[idx] & (tt > PRICE_RISE_DAY) & (rng.random(len(idx)) < 0.33)
        alive[idx[drop]] = False
        idx, tt = idx[~drop], tt[~drop]
        n = len(idx)
        if n == 0:
            continue

        day = np.floor(tt)
        day += (start_weekday + day) % 7 == 6  # closed on Sundays
        at = day + (8.0 + rng.random(n) * 11.5) / 24.0
        home = p.branch[idx]
        br = np.where(rng.random(n) < 0.95, home, rng.choice(len(share), n, p=share))
        seg = p.segment[idx]
        other = (rng.random(n)[:, None] > np.cumsum(DEPT_BY_SEGMENT[seg], axis=1)).sum(axis=1)
        dept = np.where(rng.random(n) < 0.7, p.main_dept[idx], np.minimum(other, 3))
        dept = np.where((dept == 3) & ~has_dent[br], 0, dept)
        unit = branch_codes[br] + "-" + dept_codes[dept]

        # Own doctor when possible (loyalty), otherwise whoever is popular and on duty.
        own = (br == home) & (dept == p.main_dept[idx])
        prim = primary[idx]
        prim_ok = own & staff.active(prim, day)
        use_prim = prim_ok & (rng.random(n) < p.loyalty[idx])
        doctor = np.where(use_prim, prim, staff.pick(rng, unit, "doctor", day, weighted=True))
        adopt = own & ~prim_ok
        primary[idx[adopt]] = doctor[adopt]
        n_cons[idx] += 1
        n_her[idx] += doctor == her_idx

        ub = rng.random(n)
        online = 0.22 + 0.18 * day / HISTORY_DAYS  # online booking grows over the two years
        booking = np.where(ub < 0.08, WALK_IN, np.where(ub < 0.08 + online, BOOK_ONLINE, BOOK_CALL))
        corp = seg == CORPORATE  # corporate patients have a priority line and a coordinator
        bad_booking = (booking == BOOK_CALL) & (rng.random(n) < np.where(corp, 0.04, 0.15))
        bad_online = (booking == BOOK_ONLINE) & (rng.random(n) < 0.05)
        p_rec = np.where(br == ex_cx, 0.2, np.where(corp, 0.05, 0.1))
        bad_reception = rng.random(n) < p_rec
        lab = rng.random(n) < LAB_CHANCE[dept]
        bad_results = lab & (rng.random(n) < 0.1)
        bad_payment = rng.random(n) < 0.04

        # 4. After the visit: the planted touchpoint (a painful booking call) drives churn;
        # bad moments elsewhere hurt the scores but hardly the return.
        habit = p.habit[idx]
        base = np.where(habit, 0.01, DROP_AFTER_VISIT[seg])
        extra = (
            0.25 * bad_booking
            + 0.015 * (bad_online | bad_reception | bad_results | bad_payment)
            + 0.03 * ((day >= PRICE_RISE_DAY) & ~habit)
            + 0.02 * (br == ex_cx)
        )
        last = rng.random(n) < 1.0 - (1.0 - base) * (1.0 - extra)
        alive[idx[last]] = False
        gap = rng.gamma(p.shape[idx], 1.0 / (p.rate[idx] * p.shape[idx]))
        t[idx] = day + np.maximum(gap, 3.0)
        rows.append(
            {"pid": idx, "at": at, "branch": br, "dept": dept, "unit": unit, "doctor": doctor,
             "booking": booking, "bad_booking": bad_booking, "bad_online": bad_online,
             "bad_reception": bad_reception, "lab": lab, "bad_results": bad_results,
             "bad_payment": bad_payment, "first_new": (n_cons[idx] == 1) & ~p.existing[idx]}
        )  # fmt: skip
    cols = {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}
    return Visits(**cols)
