"""Structure of the demo: determinism, schema, integrity, sizes, languages, plausibility."""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from cxray.analytics.schema import METRIC_SCALES, TABLES
from cxray.demo import PLANTED, DemoCompany, generate


def test_same_seed_same_data_other_seed_other_data(small: DemoCompany) -> None:
    again = generate(seed=3, n_patients=2_000, end=small.end)
    for name, table in small.tables().items():
        assert table.equals(again.tables()[name]), name
    other = generate(seed=4, n_patients=2_000, end=small.end)
    assert not other.customers.equals(small.customers)
    assert not other.responses.equals(small.responses)


def test_end_defaults_to_today_and_history_is_two_years() -> None:
    c = generate(n_patients=200)
    assert c.end == dt.date.today()
    assert c.start == c.end - dt.timedelta(days=730)


def test_every_table_casts_to_the_canonical_schema(small: DemoCompany) -> None:
    for name, table in small.tables().items():
        target = TABLES[name].to_pyarrow()
        assert table.column_names == [f.name for f in target if f.name != "workspace"], name
        with_ws = table.add_column(0, "workspace", pa.array(["demo"] * table.num_rows))
        cast = with_ws.cast(target)
        assert cast.num_rows == table.num_rows


def test_timestamps_are_naive_and_inside_the_history(small: DemoCompany) -> None:
    lo = pd.Timestamp(small.start)
    hi = pd.Timestamp(small.end) + pd.Timedelta(days=1)
    for name in ("transactions", "interactions", "responses"):
        table = small.tables()[name]
        assert table.schema.field("at").type.tz is None
        at = table.column("at").to_pandas()
        assert at.notna().all() and (at >= lo).all() and (at < hi).all(), name


def test_references_resolve(frames: dict[str, pd.DataFrame]) -> None:
    units = set(frames["units"].unit_id)
    emps = set(frames["employees"].employee_id)
    custs = set(frames["customers"].customer_id)
    tps = set(frames["touchpoints"].touchpoint_id)
    u = frames["units"]
    assert set(u.parent_id.dropna()) <= units
    assert (u.kind == "company").sum() == 1
    assert set(u.kind) == {"company", "region", "branch", "department"}
    assert set(frames["employees"].unit_id) <= units
    assert set(frames["touchpoints"].owner_unit_id) <= units
    for name in ("transactions", "interactions", "responses"):
        df = frames[name]
        assert set(df.customer_id.dropna()) <= custs, name
        assert set(df.employee_id.dropna()) <= emps, name
        assert set(df.unit_id.dropna()) <= units, name
        assert df.row_key.is_unique, name
    assert set(frames["interactions"].touchpoint_id) <= tps
    assert set(frames["responses"].touchpoint_id.dropna()) <= tps
    assert set(frames["responses"].respondent_employee_id.dropna()) <= emps
    assert frames["responses"].response_id.is_unique
    assert frames["transactions"].transaction_id.is_unique
    assert frames["customers"].customer_id.is_unique


def test_sizes_are_plausible(frames: dict[str, pd.DataFrame]) -> None:
    f = frames
    assert len(f["customers"]) == 20_000
    assert 150 <= len(f["employees"]) <= 250
    assert f["employees"]["left"].notna().sum() >= 20
    assert 8 <= len(f["touchpoints"]) <= 10
    assert (f["units"].kind == "branch").sum() == 6
    visits = (f["interactions"].touchpoint_id == "consultation").sum()
    assert 50_000 <= visits <= 150_000
    assert 1.2 * visits <= len(f["transactions"]) <= 2 * visits
    assert 4 * visits <= len(f["interactions"]) <= 7 * visits
    customer_resp = f["responses"].customer_id.notna().sum()
    assert 0.10 * visits <= customer_resp <= 0.20 * visits
    tx = f["transactions"]
    consult = tx[tx["product"].str.startswith("Консультация")]
    assert consult.amount.between(500, 2000).all()
    assert tx.amount.between(150, 8000).all()


def test_scores_are_on_their_scales(frames: dict[str, pd.DataFrame]) -> None:
    r = frames["responses"]
    assert set(r.metric) <= set(METRIC_SCALES)
    for metric, (low, high) in METRIC_SCALES.items():
        rows = r[r.metric == metric]
        assert rows.score.between(low, high).all(), metric
        assert (rows.scale_max == high).all(), metric
    staff = r[r.metric == "enps"]
    assert staff.respondent_employee_id.notna().all() and staff.customer_id.isna().all()
    assert staff.survey_id.nunique() == 8
    assert r[~r.metric.isin(["enps", "internal_nps"])].customer_id.notna().all()
    internal = r[r.metric == "internal_nps"]  # departments rating departments (cxray.demo.internal)
    assert internal.respondent_employee_id.notna().all() and internal.customer_id.isna().all()


def test_customers_churn_is_consistent(
    company: DemoCompany, frames: dict[str, pd.DataFrame]
) -> None:
    c = frames["customers"].set_index("customer_id")
    inter = frames["interactions"]
    last = inter[inter.touchpoint_id == "consultation"].groupby("customer_id")["at"].max()
    first = inter.groupby("customer_id")["at"].min()
    end = pd.Timestamp(company.end)
    expected = last.dt.normalize() + pd.Timedelta(days=180) <= end
    assert (c.churned == expected.reindex(c.index)).all()
    churned_at = pd.to_datetime(c.churned_at)
    assert (churned_at.notna() == c.churned).all()
    assert (churned_at.dropna() <= end).all()
    gap = churned_at - last.reindex(c.index).dt.normalize()
    assert (gap.dropna() == pd.Timedelta(days=180)).all()
    assert (pd.to_datetime(c.first_seen) <= first.reindex(c.index)).all()
    assert 0.25 <= c.churned.mean() <= 0.7
    assert c.segment.nunique() == 4
    assert c.phone.str.fullmatch(r"\+380\d{9}").all()
    assert c.email.dropna().str.contains("@").all()
    assert c.attributes.str.startswith("{").all()


def test_comment_languages_and_variety(frames: dict[str, pd.DataFrame]) -> None:
    r = frames["responses"]
    comments = r[r.comment.notna()]
    share = comments.language.value_counts(normalize=True)
    assert 0.45 <= share["ru"] <= 0.65
    assert 0.25 <= share["uk"] <= 0.45
    assert 0.05 <= share["en"] <= 0.15
    assert comments.comment.nunique() >= 3000
    assert 0.4 <= r.comment.notna().mean() <= 0.7
    below_top = r[(r.metric == "nps") & (r.score <= 8)]
    assert 0.3 <= below_top.follow_up.notna().mean() <= 0.8
    assert r[(r.metric == "nps") & (r.score == 10)].follow_up.isna().all()


def test_overall_nps_is_plausible_and_bimodal(frames: dict[str, pd.DataFrame]) -> None:
    nps = frames["responses"].query("metric == 'nps'").score
    value = 100 * ((nps >= 9).mean() - (nps <= 6).mean())
    assert 20 <= value <= 45
    counts = nps.value_counts()
    assert counts[10] > counts[8] > counts[4]  # a peak at the top ...
    assert counts[5] + counts[6] > counts[3] + counts[4]  # ... and a smaller one mid-scale


def test_planted_names_exist(frames: dict[str, pd.DataFrame], company: DemoCompany) -> None:
    emp = frames["employees"].set_index("employee_id")
    doc = PLANTED["attachment_to_person"]
    assert emp.loc[doc["employee_id"], "name"] == doc["name"]
    left = company.start + dt.timedelta(days=doc["leaves_day"])
    assert emp.loc[doc["employee_id"], "left"] == left == company.planted[
        "attachment_to_person"]["leaves"]  # fmt: skip
    assert PLANTED["bad_touchpoint"]["touchpoint_id"] in set(frames["touchpoints"].touchpoint_id)
    assert PLANTED["ex_cx_link"]["unit_id"] in set(frames["units"].unit_id)
    assert PLANTED["high_nps_before_churn"]["segment"] in set(frames["customers"].segment)
    assert np.isclose(PLANTED["habit_customers"]["price_rise"], 0.18)
