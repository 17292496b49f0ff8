"""The clinic chain's structure: units, staff (with turnover) and the patient journey's touchpoints.

Head counts are fixed so that employee ids are stable across seeds; only names, hire and
leave dates are drawn from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxray.demo import names
from cxray.demo.planted import (
    DOCTOR_ID,
    DOCTOR_LEAVES_DAY,
    DOCTOR_NAME,
    DOCTOR_UNIT,
    EX_CX_UNIT,
    HISTORY_DAYS,
)

COMPANY_ID = "MEDLINE"
COMPANY_NAME = "МедЛайн"
CALL_CENTRE = "MEDLINE-CALL"

REGIONS = {
    "REG-CENTER": "Регион Центр",
    "REG-WEST": "Регион Запад",
    "REG-SOUTH": "Регион Юг-Восток",
}

DEPTS = {
    "REC": "Регистратура",
    "THER": "Терапия",
    "PED": "Педиатрия",
    "DIAG": "Диагностика и лаборатория",
    "DENT": "Стоматология",
}


@dataclass(frozen=True)
class Branch:
    code: str
    name: str
    city: str
    region: str
    share: float  # share of the patient base whose home clinic this is
    dentistry: bool


BRANCHES = [
    Branch("KYIV-1", "Киев, Оболонь", "Киев", "REG-CENTER", 0.24, True),
    Branch("KYIV-2", "Киев, Позняки", "Киев", "REG-CENTER", 0.17, False),
    Branch("DNIPRO-1", "Днепр, Центр", "Днепр", "REG-CENTER", 0.13, False),
    Branch("LVIV-1", "Львов, Сихов", "Львов", "REG-WEST", 0.17, True),
    Branch("KHARKIV-1", "Харьков, Салтовка", "Харьков", "REG-SOUTH", 0.14, True),
    Branch("ODESA-1", "Одесса, Таирова", "Одесса", "REG-SOUTH", 0.15, True),
]

# (position, role, head count, chance the holder leaves within two years, share female)
STAFFING: dict[str, list[tuple[str, str, int, float, float]]] = {
    "BRANCH": [("Директор филиала", "head", 1, 0.1, 0.5)],
    "REC": [("Администратор", "admin", 5, 0.45, 0.85)],
    "THER": [("Врач-терапевт", "doctor", 4, 0.12, 0.7), ("Медсестра", "nurse", 2, 0.25, 1.0)],
    "PED": [("Врач-педиатр", "doctor", 3, 0.12, 0.8), ("Медсестра", "nurse", 1, 0.25, 1.0)],
    "DIAG": [("Врач УЗИ-диагностики", "doctor", 1, 0.1, 0.6), ("Лаборант", "lab", 3, 0.3, 0.9)],
    "DENT": [("Врач-стоматолог", "doctor", 3, 0.1, 0.5),
             ("Ассистент стоматолога", "nurse", 1, 0.3, 0.9)],
    "CALL": [("Оператор колл-центра", "operator", 12, 0.6, 0.75),
             ("Руководитель колл-центра", "head", 1, 0.1, 0.5)],
}  # fmt: skip

# (touchpoint_id, name, stage, channel, owner unit)
TOUCHPOINTS = [
    ("search", "Поиск клиники: сайт, карты, отзывы (ZMOT)", "Выбор клиники", "web", COMPANY_ID),
    ("booking_call", "Запись по телефону через колл-центр", "Запись", "phone", CALL_CENTRE),
    ("booking_online", "Онлайн-запись на сайте", "Запись", "web", COMPANY_ID),
    ("reception", "Регистрация на ресепшн и ожидание", "Визит", "offline", COMPANY_ID),
    ("consultation", "Приём врача", "Визит", "offline", COMPANY_ID),
    ("lab", "Сдача анализов", "Диагностика", "offline", COMPANY_ID),
    ("results", "Получение результатов анализов", "Результаты", "sms", COMPANY_ID),
    ("payment", "Оплата на кассе", "Оплата", "offline", COMPANY_ID),
    ("followup", "Напоминание и контрольный звонок", "После визита", "phone", CALL_CENTRE),
]


def branch_depts(branch: Branch) -> list[str]:
    return [d for d in DEPTS if d != "DENT" or branch.dentistry]


def units() -> list[dict[str, str | None]]:
    rows: list[dict[str, str | None]] = [
        {"unit_id": COMPANY_ID, "name": f"Сеть клиник «{COMPANY_NAME}»", "parent_id": None,
         "kind": "company"},
        {"unit_id": CALL_CENTRE, "name": "Колл-центр", "parent_id": COMPANY_ID,
         "kind": "department"},
    ]  # fmt: skip
    for rid, rname in REGIONS.items():
        rows.append({"unit_id": rid, "name": rname, "parent_id": COMPANY_ID, "kind": "region"})
    for b in BRANCHES:
        rows.append(
            {
                "unit_id": b.code,
                "name": f"Клиника {b.name}",
                "parent_id": b.region,
                "kind": "branch",
            }
        )
        for d in branch_depts(b):
            rows.append(
                {"unit_id": f"{b.code}-{d}", "name": f"{b.name}: {DEPTS[d]}",
                 "parent_id": b.code, "kind": "department"}
            )  # fmt: skip
    return rows


@dataclass
class Employee:
    employee_id: str
    name: str
    unit_id: str
    position: str
    role: str
    hired: int  # day offset from the start of the history (negative = before it)
    left: int | None
    quality: float  # doctors: how patients rate them; others: 0
    weight: float  # doctors: popularity when patients pick one


def _holders(
    rng: np.random.Generator, turnover: float, female: float
) -> list[tuple[int, int | None, bool]]:
    """Hire/leave days of the people who held one position in turn during the history."""
    out: list[tuple[int, int | None, bool]] = []
    hired = -int(rng.integers(30, 3000))
    while True:
        left: int | None = None
        if rng.random() < turnover:
            left = max(hired + 60, int(rng.integers(20, HISTORY_DAYS - 10)))
            if left >= HISTORY_DAYS - 5:
                left = None
        out.append((hired, left, bool(rng.random() < female)))
        if left is None:
            return out
        hired = left + int(rng.integers(7, 50))
        if hired >= HISTORY_DAYS - 5:
            return out
        turnover /= 2  # a replacement rarely leaves again within the same two years


def employees(rng: np.random.Generator) -> list[Employee]:
    """All staff who worked during the history, the planted doctor included."""
    plan: list[tuple[str, str, str, float, float, str]] = []  # unit, position, role, ...
    for b in BRANCHES:
        # The branch with the poor employee experience also loses more people.
        churny = 1.7 if b.code == EX_CX_UNIT else 1.0
        for pos, role, count, turnover, fem in STAFFING["BRANCH"]:
            plan += [(b.code, pos, role, min(0.9, turnover * churny), fem, "")] * count
        for d in branch_depts(b):
            extra = 1 if (b.code == "KYIV-1" and d == "THER") else 0
            for pos, role, count, turnover, fem in STAFFING[d]:
                n = count + (extra if role == "doctor" else 0)
                plan += [(f"{b.code}-{d}", pos, role, min(0.9, turnover * churny), fem, "")] * n
    for pos, role, count, turnover, fem in STAFFING["CALL"]:
        plan += [(CALL_CENTRE, pos, role, turnover, fem, "")] * count

    people: list[tuple[str, str, str, int, int | None, bool]] = []
    planted_done = False
    for unit, pos, role, turnover, fem, _ in plan:
        if not planted_done and unit == DOCTOR_UNIT and role == "doctor":
            # Her slot is fixed: long tenure, leaves at the planted day, then a replacement.
            planted_done = True
            people.append((unit, pos, "planted", -2900, DOCTOR_LEAVES_DAY, True))
            people.append((unit, pos, role, DOCTOR_LEAVES_DAY + 21, None, True))
            continue
        for hired, left, female in _holders(rng, turnover, fem):
            people.append((unit, pos, role, hired, left, female))

    female = np.array([p[5] for p in people])
    full = names.full_names(rng, female)
    quality = rng.normal(0.0, 1.0, len(people))
    weight = rng.uniform(0.7, 1.4, len(people))
    out: list[Employee] = []
    seq = 0
    for i, (unit, pos, role, hired, left, _) in enumerate(people):
        if role == "planted":
            out.append(Employee(DOCTOR_ID, DOCTOR_NAME, unit, pos, "doctor", hired, left,
                                1.2, 7.0))  # fmt: skip
            continue
        seq += 1
        if f"E{seq:04d}" == DOCTOR_ID:
            seq += 1
        is_doc = role == "doctor"
        out.append(
            Employee(f"E{seq:04d}", full[i], unit, pos, role, hired, left,
                     float(quality[i]) if is_doc else 0.0, float(weight[i]) if is_doc else 0.0)
        )  # fmt: skip
    return out


def touchpoints() -> list[dict[str, str]]:
    return [
        {"touchpoint_id": tid, "name": name, "journey_id": "patient", "stage": stage,
         "channel": channel, "owner_unit_id": owner}
        for tid, name, stage, channel, owner in TOUCHPOINTS
    ]  # fmt: skip
