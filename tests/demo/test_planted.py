"""Each planted truth, recovered from the generated tables by a simple computation of its own."""

import datetime as dt

import pandas as pd
import pytest

from cxray.demo import PLANTED, DemoCompany

DAY = pd.Timedelta(days=1)
PRICE_WORDS = (r"\bцен[аыу]", r"\bцін[аиі]", "дорож", "price", "expensive", "деньги", "гроші")


@pytest.fixture(scope="module")
def consults(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    i = frames["interactions"]
    return i[i.touchpoint_id == "consultation"][["customer_id", "at", "employee_id"]]


@pytest.fixture(scope="module")
def customers(frames: dict[str, pd.DataFrame], consults: pd.DataFrame) -> pd.DataFrame:
    c = frames["customers"].set_index("customer_id")
    c["churned_at"] = pd.to_datetime(c.churned_at)
    c["last_visit"] = consults.groupby("customer_id")["at"].max()
    return c


def day(company: DemoCompany, n: int) -> pd.Timestamp:
    return pd.Timestamp(company.start + dt.timedelta(days=n))


def nps(scores: pd.Series) -> float:
    return 100 * ((scores >= 9).mean() - (scores <= 6).mean())


def test_patients_attached_to_the_leaving_doctor_churn(
    company: DemoCompany, frames: dict[str, pd.DataFrame], consults: pd.DataFrame,
    customers: pd.DataFrame,
) -> None:  # fmt: skip
    doc = PLANTED["attachment_to_person"]["employee_id"]
    emp = frames["employees"].set_index("employee_id")
    leaves = pd.Timestamp(emp.loc[doc, "left"])
    window_end = leaves + 183 * DAY
    before = consults[consults["at"] < leaves]
    per = before.groupby(["customer_id", "employee_id"]).size().rename("k").reset_index()
    total = per.groupby("customer_id").k.sum()
    top = per.sort_values("k").groupby("customer_id").tail(1).set_index("customer_id")
    top["share"] = top.k / total.reindex(top.index)
    top["n"] = total.reindex(top.index)
    c = customers.reindex(top.index)
    staff_left = pd.to_datetime(emp["left"]).reindex(top.employee_id).to_numpy()
    eligible = (
        (top.n >= 2) & (top.share >= 0.7)
        & (c.churned_at.isna() | (c.churned_at > leaves))
        & (c.segment != PLANTED["high_nps_before_churn"]["segment"])
    )  # fmt: skip
    churn6 = c.churned_at <= window_end
    attached = eligible & (top.employee_id == doc)
    stayed_doctor = pd.isna(staff_left) | (staff_left > window_end)
    comparable = eligible & (top.employee_id != doc) & stayed_doctor
    rate_att, rate_cmp = churn6[attached].mean(), churn6[comparable].mean()
    assert attached.sum() >= 200
    assert comparable.sum() >= 2000
    assert rate_att >= 0.4
    assert 0.04 <= rate_cmp <= 0.25
    assert rate_att >= 2.5 * rate_cmp


def test_habit_customers_leave_after_the_price_rise_without_complaining(
    company: DemoCompany, frames: dict[str, pd.DataFrame], consults: pd.DataFrame,
    customers: pd.DataFrame,
) -> None:  # fmt: skip
    rise = day(company, PLANTED["habit_customers"]["price_rise_day"])
    before = consults[consults["at"] < rise].sort_values("at")
    gaps = before.groupby("customer_id")["at"].diff().dt.total_seconds() / 86400
    g = gaps.groupby(before.customer_id).agg(["count", "mean", "std"])
    g["last"] = before.groupby("customer_id")["at"].max()
    active = g["last"] >= rise - 60 * DAY
    corporate = customers.segment.reindex(g.index) == PLANTED["high_nps_before_churn"]["segment"]
    regular = (g["count"] >= 5) & g["mean"].between(20, 40) & (g["std"] / g["mean"] < 0.3)
    habit = regular & active & ~corporate
    others = (g["count"] >= 3) & ~regular & active & ~corporate
    churned = customers.churned.reindex(g.index)
    assert habit.sum() >= 300
    assert churned[habit].mean() >= 0.5
    assert churned[habit].mean() >= 2.5 * churned[others].mean()
    truth = set(company.planted["habit_customers"]["customer_ids"])
    assert len(set(habit[habit].index) & truth) >= 0.9 * habit.sum()

    r = frames["responses"]
    mine = r[r.customer_id.isin(habit[habit].index)]
    all_nps = r[r.metric == "nps"].score
    my_nps = mine[mine.metric == "nps"].score
    assert len(my_nps) >= 200
    assert 6.5 <= my_nps.mean() <= 8.5  # passive, not angry
    assert (my_nps <= 6).mean() <= (all_nps <= 6).mean() + 0.05
    # They leave silently: prices are (almost) never their complaint, unlike other patients'.
    text = mine.comment.dropna().str.lower()
    later = r[(r["at"] >= rise) & ~r.customer_id.isin(habit[habit].index) & (r.metric == "nps")]
    other_text = later.comment.dropna().str.lower()
    price = "|".join(PRICE_WORDS)
    assert len(text) >= 50
    assert text.str.contains(price).mean() <= 0.02
    assert other_text.str.contains(price).mean() >= 0.03


def test_corporate_patients_score_high_right_before_they_leave(
    company: DemoCompany, frames: dict[str, pd.DataFrame], customers: pd.DataFrame
) -> None:
    seg = PLANTED["high_nps_before_churn"]["segment"]
    switch = day(company, PLANTED["high_nps_before_churn"]["switch_day"])
    active = (customers.last_visit >= switch - 180 * DAY) & (
        customers.churned_at.isna() | (customers.churned_at > switch)
    )
    corp = customers.segment == seg
    rate = customers.churned[active & corp].mean()
    core = customers.segment.isin(["Семьи с детьми", "Хронические пациенты"])
    assert rate >= 0.5
    assert rate >= 2 * customers.churned[active & core].mean()

    r = frames["responses"]
    r = r[r.metric == "nps"].join(customers[["segment", "churned", "last_visit"]], on="customer_id")
    late = r[r.churned & (r["at"] >= r.last_visit - 90 * DAY) & (r["at"] <= r.last_visit + 3 * DAY)]
    corp_late = late[late.segment == seg].score
    assert len(corp_late) >= 100
    assert corp_late.mean() >= 8.5
    assert late[late.segment != seg].score.mean() <= corp_late.mean() - 1.0
    employers = customers[corp & customers.churned & active].attributes.str.extract(
        r'"employer": "([^"]+)"')[0]  # fmt: skip
    planted = PLANTED["high_nps_before_churn"]["employers"]
    assert employers.isin(planted).mean() >= 0.7


def test_a_bad_booking_call_drives_churn_a_bad_reception_does_not(
    frames: dict[str, pd.DataFrame], customers: pd.DataFrame
) -> None:
    r = frames["responses"].join(customers[["churned", "last_visit"]], on="customer_id")

    def last_visit_rate(rows: pd.DataFrame, horizon: pd.Timedelta) -> float:
        return (rows.churned & (rows.last_visit <= rows["at"] + horizon)).mean()

    tp = PLANTED["bad_touchpoint"]["touchpoint_id"]
    ces = r[(r.metric == "ces") & (r.touchpoint_id == tp)]
    bad, good = ces[ces.score <= 3], ces[ces.score >= 4]
    assert len(bad) >= 200
    ratio = last_visit_rate(bad, 11 * DAY) / last_visit_rate(good, 11 * DAY)
    assert ratio >= 2.0

    rec = r[(r.metric == "csat") & (r.touchpoint_id == "reception")]
    bad, good = rec[rec.score <= 2], rec[rec.score >= 3]
    assert len(bad) >= 100
    assert last_visit_rate(bad, DAY) / last_visit_rate(good, DAY) <= 1.6


def test_the_branch_with_poor_enps_has_poor_customer_nps(frames: dict[str, pd.DataFrame]) -> None:
    unit = PLANTED["ex_cx_link"]["unit_id"]
    r = frames["responses"]
    here = r.unit_id.str.startswith(unit + "-") | (r.unit_id == unit)
    staff = r.metric == "enps"
    assert nps(r[staff & here].score) <= nps(r[staff & ~here].score) - 25
    customers_nps = (r.metric == "nps") & r.unit_id.str.contains("-")
    assert nps(r[customers_nps & here].score) <= nps(r[customers_nps & ~here].score) - 10
