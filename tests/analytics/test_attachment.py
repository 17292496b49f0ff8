"""Attachment to a person: concentration, attached customers, and the churn after an
employee leaves, on a hand-made fixture and on the demo's planted doctor."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxray.analytics.attachment import (
    AttachmentRule,
    attached_by_employee,
    attached_customers,
    concentration,
    customer_value,
    dependency_alerts,
    load_people,
)
from cxray.analytics.attachment_departures import (
    attachment_overview,
    departure_effects,
    mantel_haenszel_rr,
)
from cxray.demo import PLANTED, generate
from cxray.errors import InvalidInputError


def inter(customer: str, employees: list[str], start: str = "2024-01-01", tp: str = "cons"):
    base = pd.Timestamp(start)
    return [
        {"customer_id": customer, "employee_id": e, "touchpoint_id": tp,
         "at": base + pd.Timedelta(days=7 * i)}
        for i, e in enumerate(employees)
    ]  # fmt: skip


def test_concentration_top_share_and_herfindahl_by_hand() -> None:
    rows = (
        inter("c1", ["e1", "e1", "e1"])
        + inter("c2", ["e2", "e1"])
        + inter("c3", ["e2", "e2", "e2", "e1"])
        + inter("c4", ["e1"])
        + inter("c3", ["r9", "r8"], tp="reception")
    )
    c = concentration(pd.DataFrame(rows)).set_index(["customer_id", "touchpoint_id"])
    assert c.loc[("c1", "cons"), ["n", "top_employee_id", "top_share", "hhi"]].tolist() == [
        3, "e1", 1.0, 1.0,
    ]  # fmt: skip
    # A tie goes to the smaller id; HHI = 0.5^2 + 0.5^2.
    assert c.loc[("c2", "cons"), ["top_employee_id", "top_share", "hhi"]].tolist() == [
        "e1", 0.5, 0.5,
    ]  # fmt: skip
    assert c.loc[("c3", "cons"), "top_share"] == 0.75
    assert c.loc[("c3", "cons"), "hhi"] == pytest.approx(0.75**2 + 0.25**2)
    assert c.loc[("c3", "reception"), "top_share"] == 0.5  # touchpoints are kept apart
    per = attached_by_employee(
        c.reset_index(),
        value=pd.DataFrame(
            {
                "customer_id": ["c1", "c3"],
                "revenue_to_date": [100.0, 40.0],
                "revenue_recent": [60.0, 10.0],
            }
        ),
    ).set_index("employee_id")
    # Attached (>= 70 % of >= 2): c1 to e1, c3 to e2; c4 has one interaction only.
    assert per.loc["e1", ["attached", "revenue_to_date", "revenue_recent"]].tolist() == [1, 100, 60]
    assert per.loc["e2", ["attached", "revenue_to_date"]].tolist() == [1, 40]
    strict = attached_by_employee(c.reset_index(), rule=AttachmentRule(0.8, 2))
    assert strict.set_index("employee_id").loc["e1", "attached"] == 1
    assert "e2" not in set(strict[strict.attached > 0].employee_id)


def test_rule_is_checked() -> None:
    with pytest.raises(InvalidInputError, match="threshold"):
        attached_by_employee(concentration(pd.DataFrame(inter("c", ["e"]))),
                             rule=AttachmentRule(1.5))  # fmt: skip


def _departure_fixture() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rows, customers = [], []
    left = "2024-03-01"
    # Four customers attached to e1 (who leaves), three churn within 180 days of it.
    for i in range(4):
        rows += inter(f"a{i}", ["e1", "e1"])
        churned = "2024-05-01" if i < 3 else None
        customers.append({"customer_id": f"a{i}", "segment": "s", "churned_at": churned})
    # One attached customer who had already left before e1 did: not at risk.
    rows += inter("gone", ["e1", "e1"])
    customers.append({"customer_id": "gone", "segment": "s", "churned_at": "2024-02-01"})
    # Ten attached to e2 (who stays): two churn inside the window, one after it.
    for i in range(10):
        rows += inter(f"b{i}", ["e2", "e2", "e2"])
        churned = {0: "2024-04-01", 1: "2024-08-01", 2: "2024-12-01"}.get(i)
        customers.append({"customer_id": f"b{i}", "segment": "s", "churned_at": churned})
    employees = pd.DataFrame(
        {
            "employee_id": ["e1", "e2"],
            "name": ["Ann", "Bo"],
            "unit_id": ["U", "U"],
            "left": [pd.Timestamp(left), pd.NaT],
        }
    )
    cust = pd.DataFrame(customers)
    cust["churned_at"] = pd.to_datetime(cust["churned_at"])
    return pd.DataFrame(rows), cust, employees


def test_departure_effect_by_hand() -> None:
    interactions, customers, employees = _departure_fixture()
    (e,) = departure_effects(interactions, customers, employees, as_of=dt.date(2025, 1, 1))
    assert e.employee_id == "e1" and e.left == dt.date(2024, 3, 1)
    assert (e.attached.n, e.attached.top) == (4, 3)
    assert (e.comparable.n, e.comparable.top) == (10, 2)  # 2024-12-01 is after the window
    assert e.comparison == "workspace"  # fewer than 30 comparable customers in the unit
    # One stratum: the Mantel-Haenszel RR is the plain ratio, its variance Katz's.
    assert e.risk_ratio == pytest.approx(0.75 / 0.2)
    se = math.sqrt(1 / 3 - 1 / 4 + 1 / 2 - 1 / 10)
    assert e.rr_low == pytest.approx(3.75 * math.exp(-1.959964 * se), rel=1e-5)
    assert e.rr_high == pytest.approx(3.75 * math.exp(1.959964 * se), rel=1e-5)
    assert e.excess_churned == pytest.approx(3 - 4 * 0.2)
    # A window that has not ended by as_of is not measured.
    assert departure_effects(interactions, customers, employees, as_of=dt.date(2024, 6, 1)) == []


def test_mantel_haenszel_pools_strata() -> None:
    def frame(seg: str, churned: int, n: int) -> pd.DataFrame:
        return pd.DataFrame({"segment": [seg] * n, "churned": [i < churned for i in range(n)]})

    exposed = pd.concat([frame("x", 4, 10), frame("y", 1, 10)])
    unexposed = pd.concat([frame("x", 2, 10), frame("y", 1, 20)])
    rr, low, high = mantel_haenszel_rr(exposed, unexposed)
    # sum(a1 n0 / N) / sum(a0 n1 / N) = (4*10/20 + 1*20/30) / (2*10/20 + 1*10/30)
    assert rr == pytest.approx((2 + 2 / 3) / (1 + 1 / 3))
    assert low < rr < high


def test_dependency_alerts_list_leaving_employees_first() -> None:
    interactions, customers, employees = _departure_fixture()
    employees.loc[0, "left"] = pd.Timestamp("2024-12-31")  # e1 announced leaving
    tx = pd.DataFrame(
        {
            "customer_id": ["a3", "b5", "b5"],
            "amount": [50.0, 20.0, 5.0],
            "at": pd.to_datetime(["2024-01-02", "2024-01-03", "2022-01-01"]),
        }
    )
    alerts = dependency_alerts(interactions, customers, employees, as_of=dt.date(2024, 6, 1),
                               transactions=tx)  # fmt: skip
    assert [a.employee_id for a in alerts] == ["e1", "e2"]
    # Active on 2024-06-01: a3 only (a0-a2 churned 2024-05-01); b: all but b0.
    assert (alerts[0].customers, alerts[0].value_recent) == (1, 50.0)
    assert alerts[0].leaving == dt.date(2024, 12, 31)
    assert (alerts[1].customers, alerts[1].value_recent, alerts[1].value_to_date) == (9, 20, 25)
    v = customer_value(tx, as_of=dt.date(2024, 6, 1)).set_index("customer_id")
    assert v.loc["b5", "revenue_to_date"] == 25.0 and v.loc["b5", "revenue_recent"] == 20.0


@pytest.fixture(scope="module")
def demo():
    # Half the default size keeps the test quick; the planted effect holds at this size.
    return generate(seed=7, n_patients=10_000, end=dt.date(2025, 6, 30))


def test_the_demo_doctor_effect_is_recovered(demo) -> None:
    planted = PLANTED["attachment_to_person"]
    (e,) = departure_effects(
        demo.interactions, demo.customers, demo.employees, as_of=demo.end,
        transactions=demo.transactions, employee_ids=[planted["employee_id"]],
    )  # fmt: skip
    assert e.left == demo.planted["attachment_to_person"]["leaves"]
    assert e.attached.n >= 150
    # Planted: about 0.65 of her attached patients churn in six months, 0.20 of comparable.
    assert 50 <= e.attached.value <= 80
    assert e.attached.low <= 100 * planted["expected_churn_6m_attached"] <= e.attached.high
    assert 10 <= e.comparable.value <= 30
    assert e.comparable.low <= 100 * planted["expected_churn_6m_comparable"] <= e.comparable.high
    assert e.comparison == "unit"
    assert e.rr_low > 1.5 and 2.0 <= e.risk_ratio <= 5.0
    assert e.value_recent > 0


def test_attachments_on_any_day_with_ties_and_unknown_customers() -> None:
    rows = (
        inter("c1", ["e2", "e1", "e2", "e1"])  # 2 and 2: a tie goes to the smaller id
        + inter("c2", ["e1", "e2", "e2"])  # e2 has 2 of 3 by the end
        + inter("c3", ["e1", "e1"])  # not in the customers table: never counted
    )
    interactions = pd.DataFrame(rows)
    customers = pd.DataFrame({"customer_id": ["c1", "c2"], "churned_at": [None, None]})
    employees = pd.DataFrame({"employee_id": ["e1", "e2"], "unit_id": ["U", "U"],
                              "left": [None, None]})  # fmt: skip
    people = load_people(interactions, customers, employees)
    late, early = pd.Timestamp("2024-02-01"), pd.Timestamp("2024-01-09")  # early: 2 visits each

    def pairs(day: pd.Timestamp, rule: AttachmentRule) -> set[tuple[str, str]]:
        c, e = people.timeline.attached_before(day, rule)
        return set(zip(people.customers[c], people.employees[e], strict=True))

    def by_concentration(day: pd.Timestamp, rule: AttachmentRule) -> set[tuple[str, str]]:
        a = attached_customers(concentration(interactions, before=day.date()), rule)
        a = a[a["customer_id"].isin(customers["customer_id"])]
        return set(zip(a["customer_id"], a["top_employee_id"], strict=True))

    half, strict = AttachmentRule(0.5, 2), AttachmentRule(0.7, 2)
    # Later day first, then an earlier one (the counts start again), then the later again.
    assert pairs(late, half) == {("c1", "e1"), ("c2", "e2")} == by_concentration(late, half)
    assert pairs(early, half) == {("c1", "e1"), ("c2", "e1")} == by_concentration(early, half)
    assert pairs(late, strict) == set() == by_concentration(late, strict)
    assert pairs(late, AttachmentRule(0.6, 2)) == {("c2", "e2")}
    assert pairs(late, AttachmentRule(0.5, 4)) == {("c1", "e1")}  # c2 has only 3


def test_overview_matches_concentration_on_the_demo(demo) -> None:
    departures, alerts = attachment_overview(
        demo.interactions, demo.customers, demo.employees, as_of=demo.end,
        transactions=demo.transactions,
    )  # fmt: skip
    assert departures == departure_effects(
        demo.interactions, demo.customers, demo.employees, as_of=demo.end,
        transactions=demo.transactions,
    )  # fmt: skip
    assert alerts == dependency_alerts(
        demo.interactions, demo.customers, demo.employees, as_of=demo.end,
        transactions=demo.transactions,
    )  # fmt: skip
    assert len(departures) >= 10 and alerts
    churned_at = pd.to_datetime(
        demo.customers.to_pandas().set_index("customer_id")["churned_at"]
    )  # fmt: skip
    # The departed employee's customers, recounted the plain way: attached on the day they
    # left and not churned by then.
    for d in departures[:4]:
        left = pd.Timestamp(d.left)
        a = attached_customers(concentration(demo.interactions, before=d.left))
        ids = a[a["top_employee_id"] == d.employee_id]["customer_id"]
        gone = churned_at.reindex(ids)
        expected = sorted(ids[(gone.isna() | (gone > left)).to_numpy()])
        assert list(d.customer_ids) == expected and d.attached.n == len(expected)
    conc = concentration(demo.interactions, before=demo.end + dt.timedelta(days=1))
    active = churned_at[churned_at.isna() | (churned_at > pd.Timestamp(demo.end))].index
    per = attached_by_employee(conc[conc["customer_id"].isin(active)]).set_index("employee_id")
    for alert in alerts:
        assert alert.customers == per.loc[alert.employee_id, "attached"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["c1", "c2", "c3"]), st.sampled_from(["e1", "e2", "e3", "e4"])),
        min_size=1,
        max_size=40,
    )
)
def test_concentration_properties(pairs: list[tuple[str, str]]) -> None:
    rows = [
        {"customer_id": c, "employee_id": e, "touchpoint_id": "t",
         "at": pd.Timestamp("2024-01-01") + pd.Timedelta(days=i)}
        for i, (c, e) in enumerate(pairs)
    ]  # fmt: skip
    conc = concentration(pd.DataFrame(rows))
    for r in conc.itertuples(index=False):
        # HHI lies between 1/k (evenly over k people) and 1; the top share is at least 1/k and
        # its square never exceeds HHI.
        assert 1 / r.employees - 1e-12 <= r.hhi <= 1 + 1e-12
        assert 1 / r.employees - 1e-12 <= r.top_share <= 1
        assert r.top_share**2 <= r.hhi + 1e-12
    assert conc["n"].sum() == len(pairs)
