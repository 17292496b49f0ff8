"""Internal NPS between departments: twice a year each employee rates the departments their
work depends on (seed 000: a department is the internal customer of another).

Who depends on whom: doctors' departments on their branch's lab/diagnostics and reception;
receptions on the call centre (it books their patients) and the lab; the lab on reception;
branch heads on reception; the call centre on one branch's reception. The planted seam: the
receptions rate the call centre poorly (bookings with wrong times and missing details), see
``PLANTED["internal_seam"]``. Drawn from its own random stream, so adding these answers
leaves every other table of the demo unchanged.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from cxray.demo import org
from cxray.demo.patients import LANG_BY_CITY, LANGS, OTHER_CITY_LANG
from cxray.demo.planted import EX_CX_UNIT, HISTORY_DAYS, INTERNAL_SEAM
from cxray.demo.staff import StaffIndex

WAVE_DAYS = (120, 302, 484, 666)
ANSWER_RATE = 0.75


def _rated(unit: str, rng: np.random.Generator) -> list[str]:
    if unit == org.CALL_CENTRE:
        return [f"{org.BRANCHES[int(rng.integers(len(org.BRANCHES)))].code}-REC"]
    branch = next((b.code for b in org.BRANCHES if unit.startswith(b.code)), None)
    if branch is None:  # head office: no internal customer in this survey
        return []
    dept = unit[len(branch) + 1 :]
    if dept in ("THER", "PED", "DENT"):
        return [f"{branch}-DIAG", f"{branch}-REC"]
    if dept == "REC":
        return [org.CALL_CENTRE, f"{branch}-DIAG"]
    if dept == "DIAG":
        return [f"{branch}-REC"]
    return [f"{branch}-REC"]  # the branch head


def internal_responses(
    rng: np.random.Generator, staff: StaffIndex, start: dt.date
) -> pd.DataFrame:  # fmt: skip
    rows: list[dict[str, object]] = []
    for w, day in enumerate(WAVE_DAYS):
        when = start + dt.timedelta(days=day)
        survey = f"inps-{when.year}-h{1 + (when.month > 6)}-{w}"
        for i, e in enumerate(staff.staff):
            if not (staff.hired[i] <= day < staff.left[i]) or rng.random() > ANSWER_RATE:
                continue
            city = next((b.city for b in org.BRANCHES if e.unit_id.startswith(b.code)), "Киев")
            lang = LANGS[rng.choice(3, p=LANG_BY_CITY.get(city, OTHER_CITY_LANG))]
            for rated in _rated(e.unit_id, rng):
                seam = e.unit_id.endswith("-REC") and rated == INTERNAL_SEAM[1]
                if seam:
                    p_pro, p_det = 0.08, 0.7
                elif rated.startswith(EX_CX_UNIT):
                    p_pro, p_det = 0.2, 0.45
                else:
                    p_pro, p_det = 0.42, 0.2
                u = rng.random()
                if u < p_pro:
                    score = float(rng.choice([9, 10]))
                elif u < p_pro + p_det:
                    score = float(rng.choice([1, 3, 4, 5, 6, 6]))
                else:
                    score = float(rng.choice([7, 8]))
                rows.append({
                    "pid": -1, "respondent": i, "survey_id": survey, "metric": "internal_nps",
                    "touchpoint_id": None, "scale_max": 10, "channel": "web", "emp": -1,
                    "unit_id": rated, "at": day + float(rng.uniform(0.3, 10.0)), "score": score,
                    "comment": None, "follow_up": None, "language": lang,
                })  # fmt: skip
    df = pd.DataFrame(rows)
    return df[df["at"] < HISTORY_DAYS + 1]
