"""Builds the demo company's tables in the canonical analytic schema (without ``workspace``)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from cxray.analytics.schema import TABLES
from cxray.demo import events, internal, names, org, patients, surveys
from cxray.demo.planted import (
    CHURN_AFTER_DAYS,
    DOCTOR_LEAVES_DAY,
    HISTORY_DAYS,
    INSURER_SWITCH_DAY,
    PLANTED,
    PRICE_RISE_DAY,
)
from cxray.demo.staff import StaffIndex

TABLE_NAMES = ("units", "employees", "touchpoints", "customers", "transactions",
               "interactions", "responses")  # fmt: skip


@dataclass(frozen=True)
class DemoCompany:
    """A generated company: its display name, currency and the seven canonical tables."""

    name: str
    currency: str
    start: dt.date
    end: dt.date
    units: pa.Table
    employees: pa.Table
    touchpoints: pa.Table
    customers: pa.Table
    transactions: pa.Table
    interactions: pa.Table
    responses: pa.Table
    planted: dict[str, dict[str, Any]] = field(default_factory=dict)  # PLANTED with dates

    def tables(self) -> dict[str, pa.Table]:
        """Every table by its canonical name."""
        return {name: getattr(self, name) for name in TABLE_NAMES}


def _schema(name: str) -> pa.Schema:
    full = TABLES[name].to_pyarrow()
    return pa.schema([f for f in full if f.name != "workspace"])


def _table(name: str, df: pd.DataFrame) -> pa.Table:
    schema = _schema(name)
    return pa.Table.from_pandas(df[schema.names], schema=schema, preserve_index=False)


def _stamps(start: dt.date, days: np.ndarray) -> np.ndarray:
    """Fractional days since ``start`` to naive timestamps (whole seconds)."""
    base = np.datetime64(start, "s")
    return base + np.round(np.asarray(days, dtype=float) * 86400).astype("timedelta64[s]")


def _dates(start: dt.date, days: np.ndarray) -> list[dt.date | None]:
    return [None if np.isnan(d) else start + dt.timedelta(days=int(d)) for d in days]


def _ids(staff: StaffIndex, idx: np.ndarray) -> np.ndarray:
    idx = np.asarray(idx, dtype=int)
    return np.where(idx >= 0, staff.ids[np.maximum(idx, 0)], None)


def _customers(
    rng: np.random.Generator, p: patients.Patients, v: patients.Visits, inter: pd.DataFrame,
    start: dt.date,
) -> pd.DataFrame:  # fmt: skip
    full = names.full_names(rng, p.female)
    first_touch = inter.groupby("pid")["at"].min().reindex(range(p.n)).to_numpy()
    first_touch = np.where(np.isnan(first_touch), p.t0, first_touch)
    first = np.where(p.existing, p.since, np.floor(first_touch))
    last = pd.Series(v.at).groupby(v.pid).max().reindex(range(p.n)).to_numpy()
    churn_day = np.floor(last) + CHURN_AFTER_DAYS
    churned = churn_day <= HISTORY_DAYS
    children = rng.integers(1, 4, p.n)
    cities = np.array([b.city for b in org.BRANCHES], dtype=object)
    codes = np.array([b.code for b in org.BRANCHES], dtype=object)
    attrs = []
    for i in range(p.n):
        a: dict[str, Any] = {"age": int(p.age[i]), "gender": "f" if p.female[i] else "m",
                             "city": cities[p.branch[i]], "home_branch": codes[p.branch[i]],
                             "language": p.lang[i]}  # fmt: skip
        if p.employer[i] >= 0:
            a["employer"] = patients.EMPLOYERS[p.employer[i]]
        if p.segment[i] == patients.FAMILY:
            a["children"] = int(children[i])
        attrs.append(json.dumps(a, ensure_ascii=False))
    return pd.DataFrame({
        "customer_id": [f"P{i + 1:06d}" for i in range(p.n)], "name": full,
        "email": names.emails(rng, full), "phone": names.phones(rng, p.n),
        "segment": np.array(patients.SEGMENTS, dtype=object)[p.segment],
        "first_seen": _dates(start, first), "churned": churned,
        "churned_at": _dates(start, np.where(churned, churn_day, np.nan)), "attributes": attrs,
    })  # fmt: skip


def _planted(start: dt.date, p: patients.Patients, cust_ids: np.ndarray) -> dict[str, Any]:
    out = copy.deepcopy(PLANTED)
    day = lambda d: start + dt.timedelta(days=d)  # noqa: E731
    out["attachment_to_person"]["leaves"] = day(DOCTOR_LEAVES_DAY)
    out["habit_customers"]["price_rise_date"] = day(PRICE_RISE_DAY)
    out["habit_customers"]["customer_ids"] = cust_ids[p.habit].tolist()
    out["high_nps_before_churn"]["switch_date"] = day(INSURER_SWITCH_DAY)
    out["high_nps_before_churn"]["customer_ids"] = cust_ids[p.switched].tolist()
    return out


def generate(seed: int = 7, n_patients: int = 20_000, end: dt.date | None = None) -> DemoCompany:
    """The demo clinic chain over the two years up to ``end`` (default: today).

    Same ``seed``, ``n_patients`` and ``end`` give identical tables.
    """
    end = end or dt.date.today()
    start = end - dt.timedelta(days=HISTORY_DAYS)
    rng = np.random.default_rng(seed)
    staff = StaffIndex(org.employees(rng))
    p = patients.draw_patients(rng, n_patients)
    v = patients.simulate(rng, p, staff, start.weekday())
    j = events.journey(rng, v, staff)
    cust_ids = np.array([f"P{i + 1:06d}" for i in range(n_patients)], dtype=object)

    inter = events.interactions(rng, p, v, j, staff)
    inter = inter.sort_values(["at", "pid"], kind="stable").reset_index(drop=True)
    inter_df = pd.DataFrame({
        "row_key": [f"I{i + 1:07d}" for i in range(len(inter))],
        "customer_id": cust_ids[inter["pid"].to_numpy()], "at": _stamps(start, inter["at"]),
        "touchpoint_id": inter["touchpoint_id"], "channel": inter["channel"],
        "employee_id": _ids(staff, inter["emp"]), "unit_id": inter["unit_id"],
    })  # fmt: skip

    tx = events.transactions(rng, v, j).sort_values(["at", "pid"], kind="stable")
    tx = tx.reset_index(drop=True)
    tx_ids = [f"T{i + 1:07d}" for i in range(len(tx))]
    tx_df = pd.DataFrame({
        "row_key": tx_ids, "transaction_id": tx_ids,
        "customer_id": cust_ids[tx["pid"].to_numpy()], "at": _stamps(start, tx["at"]),
        "amount": tx["amount"], "quantity": tx["quantity"], "product": tx["product"],
        "unit_id": tx["unit_id"], "employee_id": _ids(staff, tx["emp"]),
    })  # fmt: skip

    resp = pd.concat(
        [surveys.customer_responses(rng, p, v, j, staff),
         surveys.employee_responses(rng, staff, start),
         # Its own stream: the other tables stay exactly as they were without it.
         internal.internal_responses(np.random.default_rng([seed, 13]), staff, start)],
        ignore_index=True,
    )  # fmt: skip
    resp = resp[(resp["at"] >= 0) & (resp["at"] < HISTORY_DAYS + 1)]
    resp = resp.sort_values(["at"], kind="stable").reset_index(drop=True)
    resp_ids = [f"R{i + 1:06d}" for i in range(len(resp))]
    pid = resp["pid"].to_numpy()
    resp_df = pd.DataFrame({
        "row_key": resp_ids, "response_id": resp_ids,
        "customer_id": np.where(pid >= 0, cust_ids[np.maximum(pid, 0)], None),
        "respondent_employee_id": _ids(staff, resp["respondent"]),
        "survey_id": resp["survey_id"], "touchpoint_id": resp["touchpoint_id"],
        "employee_id": _ids(staff, resp["emp"]), "unit_id": resp["unit_id"],
        "at": _stamps(start, resp["at"]), "metric": resp["metric"], "score": resp["score"],
        "scale_max": resp["scale_max"], "comment": resp["comment"],
        "follow_up": resp["follow_up"], "language": resp["language"], "channel": resp["channel"],
    })  # fmt: skip

    emp_df = pd.DataFrame({
        "employee_id": [e.employee_id for e in staff.staff],
        "name": [e.name for e in staff.staff], "unit_id": [e.unit_id for e in staff.staff],
        "position": [e.position for e in staff.staff],
        "hired": _dates(start, np.array([e.hired for e in staff.staff], dtype=float)),
        "left": _dates(start, np.array([np.nan if e.left is None else e.left
                                        for e in staff.staff])),
    })  # fmt: skip

    return DemoCompany(
        name=f"Сеть клиник «{org.COMPANY_NAME}»",
        currency="UAH",
        start=start,
        end=end,
        units=_table("units", pd.DataFrame(org.units())),
        employees=_table("employees", emp_df),
        touchpoints=_table("touchpoints", pd.DataFrame(org.touchpoints())),
        customers=_table("customers", _customers(rng, p, v, inter, start)),
        transactions=_table("transactions", tx_df),
        interactions=_table("interactions", inter_df),
        responses=_table("responses", resp_df),
        planted=_planted(start, p, cust_ids),
    )
