"""Survey answers: post-visit NPS, CSAT at reception/consultation/results, CES on booking,
and the quarterly employee eNPS.

Scores are drawn from what actually happened at the visit (the bad-moment flags of the
simulation), the patient's segment and habits, the doctor's quality and the branch; the
comment and the follow-up answer are written about the same moment.
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pandas as pd

from cxray.demo import org, texts
from cxray.demo.events import MINUTE, Journey
from cxray.demo.patients import (
    BOOK_CALL,
    BOOK_ONLINE,
    CORPORATE,
    LANG_BY_CITY,
    LANGS,
    OTHER_CITY_LANG,
    Patients,
    Visits,
)
from cxray.demo.planted import EX_CX_UNIT, HISTORY_DAYS, PRICE_RISE_DAY
from cxray.demo.staff import StaffIndex

# (survey_id, metric, touchpoint_id, scale_max, channel)
KINDS = [
    ("ces-booking-call", "ces", "booking_call", 7, "phone"),
    ("ces-booking-online", "ces", "booking_online", 7, "web"),
    ("nps-post-visit", "nps", None, 10, "sms"),
    ("csat-reception", "csat", "reception", 5, "offline"),
    ("csat-consultation", "csat", "consultation", 5, "sms"),
    ("csat-results", "csat", "results", 5, "sms"),
]
CES_CALL, CES_ONLINE, NPS, CSAT_REC, CSAT_CONS, CSAT_RES = range(6)
DETRACTOR_VALUES = np.array([0.07, 0.03, 0.05, 0.08, 0.12, 0.25, 0.40])


def _draw(rng: np.random.Generator, values: list[int], weights: list[float], n: int) -> np.ndarray:
    return rng.choice(np.array(values, dtype=float), size=n, p=np.array(weights) / sum(weights))


def _nps(rng: np.random.Generator, p_pro: np.ndarray, p_det: np.ndarray) -> np.ndarray:
    """0-10 scores from per-row promoter/detractor chances: peaks at 10 and at 5-6."""
    n = len(p_pro)
    u = rng.random(n)
    pro = np.where(rng.random(n) < 0.6, 10.0, 9.0)
    pas = np.where(rng.random(n) < 0.55, 8.0, 7.0)
    det = rng.choice(7, size=n, p=DETRACTOR_VALUES).astype(float)
    return np.where(u < p_pro, pro, np.where(u < p_pro + p_det, det, pas))


def _scores(
    rng: np.random.Generator, kind: np.ndarray, p: Patients, v: Visits, staff: StaffIndex
) -> np.ndarray:
    n = len(kind)
    pid = v.pid
    corp = p.segment[pid] == CORPORATE
    ex_cx = np.array([b.code == EX_CX_UNIT for b in org.BRANCHES])[v.branch]
    q = staff.quality[v.doctor]
    bad = v.bad_booking | v.bad_online | v.bad_reception | v.bad_results | v.bad_payment
    p_pro = np.where(corp, 0.80, np.where(p.habit[pid], 0.2, 0.6)) - 0.17 * ex_cx + 0.04 * q
    p_det = np.where(corp, 0.04, np.where(p.habit[pid], 0.12, 0.13)) + 0.12 * ex_cx - 0.02 * q
    # A bad moment at this visit dominates the score; habit customers shrug it off more.
    p_pro = np.where(bad, np.where(corp, 0.45, np.where(p.habit[pid], 0.15, 0.18)), p_pro)
    p_det = np.where(bad, np.where(corp, 0.2, np.where(p.habit[pid], 0.3, 0.52)), p_det)
    nps = _nps(rng, np.clip(p_pro, 0.02, 0.95), np.clip(p_det, 0.01, 0.9))
    # Some people never give a 10, some always round up: the same "5" means different things.
    nps = np.where(nps >= 7, np.clip(nps + p.harsh[pid], 0, 10), nps)
    low3 = _draw(rng, [1, 2, 3], [0.3, 0.4, 0.3], n)
    ces_call = np.where(v.bad_booking, low3, _draw(rng, [4, 5, 6, 7], [0.08, 0.22, 0.35, 0.35], n))
    ces_web = np.where(v.bad_online, low3, _draw(rng, [4, 5, 6, 7], [0.05, 0.15, 0.35, 0.45], n))
    rec_ok = np.where(
        ex_cx,
        _draw(rng, [3, 4, 5], [0.15, 0.45, 0.4], n),
        _draw(rng, [3, 4, 5], [0.08, 0.37, 0.55], n),
    )
    rec = np.where(v.bad_reception, _draw(rng, [1, 2, 3], [0.35, 0.45, 0.2], n), rec_ok)
    cons_bad = rng.random(n) < np.clip(0.06 - 0.03 * q, 0.01, 0.15)
    cons = np.where(rng.random(n) < np.clip(0.6 + 0.1 * q, 0.3, 0.9), 5.0, 4.0)
    cons = np.where(cons_bad, low3, cons)
    res = np.where(v.bad_results, low3, np.where(rng.random(n) < 0.6, 5.0, 4.0))
    return np.choose(kind, [ces_call, ces_web, nps, rec, cons, res])


def _mood(kind: np.ndarray, score: np.ndarray) -> np.ndarray:
    """-1 unhappy, 0 neutral, +1 happy, judged on each metric's own scale."""
    neg_cut = np.choose(kind, [3, 3, 6, 2, 2, 2])
    pos_cut = np.choose(kind, [6, 6, 9, 5, 5, 5])
    return np.where(score <= neg_cut, -1, np.where(score >= pos_cut, 1, 0))


def _themes(r: random.Random, kind: int, mood: int, flags: dict[str, bool]) -> list[str]:
    habit, after_rise = flags["habit"], flags["after_rise"]
    if mood < 0 or (mood == 0 and r.random() < 0.35 and not habit):
        by_kind = {CES_CALL: ["booking"], CES_ONLINE: ["booking"], CSAT_REC: ["wait", "rude"],
                   CSAT_CONS: ["doctor_bad", "wait"], CSAT_RES: ["results"]}  # fmt: skip
        options = by_kind.get(kind) or [
            t
            for t, hit in (
                ("booking", flags["bad_booking"]),
                ("results", flags["bad_results"]),
                ("payment", flags["bad_payment"]),
            )
            if hit
        ]
        if kind == NPS and flags["bad_reception"]:
            options += ["wait", "rude"]
        if not options:
            options = ["wait", "doctor_bad", "rude", "dirty", "wait", "price"]
        if after_rise and kind == NPS and r.random() < 0.3:
            options = ["price"]
        if habit:  # habit customers do not complain about prices: they just leave
            options = [t for t in options if t != "price"] or ["wait"]
        themes = [r.choice(options)]
        if r.random() < 0.25:
            themes.append(r.choice([*options, "wait", "dirty", "rude"]))
        return themes
    if mood == 0:
        if habit:
            return ["usual"]
        return [r.choice(["mixed", "usual", "mixed"] + (["price"] if after_rise else []))]
    by_kind = {CES_CALL: ["booking_easy"], CES_ONLINE: ["booking_easy"],
               CSAT_REC: ["kind", "fast", "clean"], CSAT_CONS: ["doctor_good", "kind"],
               CSAT_RES: ["results_ok"]}  # fmt: skip
    options = by_kind.get(kind, ["doctor_good", "doctor_good", "kind", "fast", "clean"])
    themes = [r.choice(options)]
    if r.random() < 0.3:
        themes.append(r.choice(["doctor_good", "kind", "fast", "clean"]))
    return themes


def customer_responses(
    rng: np.random.Generator, p: Patients, v: Visits, j: Journey, staff: StaffIndex
) -> pd.DataFrame:
    """About 17 % of visits get one answered survey; a kind is chosen per visit."""
    n = len(v.pid)
    w = np.zeros((n, 6))
    w[:, CES_CALL] = np.where(v.booking == BOOK_CALL, 0.30, 0.0)
    w[:, CES_ONLINE] = np.where(v.booking == BOOK_ONLINE, 0.12, 0.0)
    w[:, NPS], w[:, CSAT_REC], w[:, CSAT_CONS] = 0.42, 0.12, 0.12
    w[:, CSAT_RES] = np.where(v.lab, 0.08, 0.0)
    cum = np.cumsum(w, axis=1)
    kind_all = (cum < (rng.random(n) * cum[:, -1])[:, None]).sum(axis=1)
    score_all = _scores(rng, kind_all, p, v, staff)
    sel = np.flatnonzero(rng.random(n) < 0.17)
    kind, score = kind_all[sel], score_all[sel]
    pid = v.pid[sel]

    at = np.choose(kind, [
        j.booked_at[sel] + 3 * MINUTE, j.booked_at[sel] + MINUTE,
        v.at[sel] + rng.uniform(2, 48, len(sel)) / 24, j.reception_at[sel] + 20 * MINUTE,
        j.consult_at[sel] + rng.uniform(1, 24, len(sel)) / 24,
        np.nan_to_num(j.results_at[sel]) + rng.uniform(1, 12, len(sel)) / 24,
    ])  # fmt: skip
    branch_codes = np.array([b.code for b in org.BRANCHES], dtype=object)[v.branch[sel]]
    unit = np.choose(kind, [
        np.full(len(sel), org.CALL_CENTRE, dtype=object), branch_codes + "-REC", v.unit[sel],
        branch_codes + "-REC", v.unit[sel], branch_codes + "-DIAG",
    ])  # fmt: skip
    about = np.choose(kind, [j.operator[sel], np.full(len(sel), -1), v.doctor[sel],
                             j.admin[sel], v.doctor[sel], j.lab_staff[sel]])  # fmt: skip
    mood = _mood(kind, score)
    lang = p.lang[pid]
    has_email = rng.random(len(sel)) < 0.4
    r = random.Random(int(rng.integers(2**32)))
    comments: list[str | None] = []
    follow: list[str | None] = []
    for i, vi in enumerate(sel):
        flags = {
            "habit": bool(p.habit[pid[i]]),
            "after_rise": bool(v.at[vi] >= PRICE_RISE_DAY),
            "bad_booking": bool(v.bad_booking[vi]),
            "bad_reception": bool(v.bad_reception[vi]),
            "bad_results": bool(v.bad_results[vi]),
            "bad_payment": bool(v.bad_payment[vi]),
        }
        themes = _themes(r, int(kind[i]), int(mood[i]), flags)
        chance = 0.35 if flags["habit"] else (0.7, 0.45, 0.4)[1 - int(mood[i])]
        doc = int(v.doctor[vi])
        doc_name = staff.staff[doc].name if staff.female[doc] else None
        comments.append(
            texts.comment(r, lang[i], themes, doc_name) if r.random() < chance else None
        )
        below_top = score[i] < KINDS[int(kind[i])][3]
        top_theme = themes[0] if mood[i] < 0 else "general"
        follow.append(
            texts.follow_up(r, lang[i], top_theme) if below_top and r.random() < 0.55 else None
        )
    return pd.DataFrame({
        "pid": pid, "respondent": -1, "survey_id": [KINDS[k][0] for k in kind],
        "metric": [KINDS[k][1] for k in kind], "touchpoint_id": [KINDS[k][2] for k in kind],
        "scale_max": [KINDS[k][3] for k in kind],
        "channel": [("email" if e else "sms") if k == NPS else KINDS[k][4]
                    for k, e in zip(kind, has_email, strict=True)],
        "emp": about, "unit_id": unit, "at": at, "score": score, "comment": comments,
        "follow_up": follow, "language": lang,
    })  # fmt: skip


def employee_responses(rng: np.random.Generator, staff: StaffIndex, start: dt.date) -> pd.DataFrame:
    """Quarterly eNPS: ~70 % of the staff employed that day answer within ten days."""
    emps = staff.staff
    lang = np.empty(len(emps), dtype=object)
    for i, e in enumerate(emps):
        # Staff speak like their city; the call centre and head office sit in Kyiv.
        city = next((b.city for b in org.BRANCHES if e.unit_id.startswith(b.code)), "Киев")
        lang[i] = LANGS[rng.choice(3, p=LANG_BY_CITY.get(city, OTHER_CITY_LANG))]
    r = random.Random(int(rng.integers(2**32)))
    rows: list[dict[str, object]] = []
    for q in range(8):
        day = 60 + 91 * q
        when = start + dt.timedelta(days=day)
        survey = f"enps-{when.year}-q{(when.month - 1) // 3 + 1}"
        for i, e in enumerate(emps):
            if not (staff.hired[i] <= day < staff.left[i]) or r.random() > 0.7:
                continue
            if e.unit_id.startswith(EX_CX_UNIT):
                p_pro, p_det = 0.1, 0.62
            elif e.unit_id == org.CALL_CENTRE:
                p_pro, p_det = 0.25, 0.38
            else:
                p_pro, p_det = (0.45, 0.18) if e.role == "doctor" else (0.35, 0.27)
            u = r.random()
            if u < p_pro:
                score, pool = (
                    r.choice([9, 10, 10]),
                    ["team", "manager_good", "patients", "stability"],
                )
            elif u < p_pro + p_det:
                score = r.choice([0, 2, 3, 4, 5, 5, 6, 6])
                pool = ["salary", "workload", "manager_bad", "schedule", "equipment"]
            else:
                score, pool = r.choice([7, 8]), ["ok", "ok", "team", "salary", "workload"]
            themes = [r.choice(pool) for _ in range(1 + (r.random() < 0.35))]
            rows.append({
                "pid": -1, "respondent": i, "survey_id": survey, "metric": "enps",
                "touchpoint_id": None, "scale_max": 10, "channel": "web", "emp": -1,
                "unit_id": e.unit_id, "at": day + r.uniform(0.3, 10.0), "score": float(score),
                "comment": texts.staff_comment(r, lang[i], themes) if r.random() < 0.55 else None,
                "follow_up": texts.staff_follow_up(r, lang[i]) if score <= 8 and r.random() < 0.45
                else None,
                "language": lang[i],
            })  # fmt: skip
    df = pd.DataFrame(rows)
    return df[df["at"] < HISTORY_DAYS + 1]
