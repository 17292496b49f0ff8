"""The reference data sets imported as a CX team would, checked against published figures."""

from __future__ import annotations

import pytest

from cxray.analytics.store import AnalyticsStore
from cxray.ingest import import_file

WS = "acme"


def _sql(store: AnalyticsStore, query: str) -> tuple:
    return store.raw.execute(query).fetchone()


def test_telco_customers(store, data_dir):
    path = data_dir / "telco_churn" / "WA_Fn-UseC_-Telco-Customer-Churn.csv"
    result = import_file(store, "customers", path, workspace=WS)
    assert result.stored == 7043
    assert result.column_map["customer_id"] == "customerID"
    n, churned, share, contract = _sql(
        store,
        "SELECT count(*), count_if(churned), round(100 * avg(churned::INT), 2), "
        "count_if(json_extract_string(attributes, '$.Contract') = 'Month-to-month') "
        "FROM customers",
    )
    assert (n, churned, share) == (7043, 1869, 26.54)
    assert contract > 3000

    again = import_file(store, "customers", path, workspace=WS)
    assert (again.stored, again.unchanged) == (0, 7043)
    assert store.count("customers", WS) == 7043


@pytest.mark.slow
def test_online_retail_transactions(store, data_dir):
    path = data_dir / "online_retail" / "online_retail.csv.gz"
    result = import_file(store, "transactions", path, workspace=WS)
    assert result.n_rows == 541_909
    assert result.stored == 397_924
    assert result.skipped == {"no customer id": 135_080, "cancelled": 8_905}
    assert result.column_map["transaction_id"] == "InvoiceNo"
    n, customers, revenue = _sql(
        store,
        "SELECT count(*), count(DISTINCT customer_id), round(sum(amount), 2) FROM transactions",
    )
    assert (n, customers) == (397_924, 4_339)
    assert revenue == pytest.approx(8_911_407.90, abs=0.005)

    dry = import_file(store, "transactions", path, workspace=WS, dry_run=True)
    assert (dry.stored, dry.unchanged, dry.dry_run) == (0, 397_924, True)
    again = import_file(store, "transactions", path, workspace=WS)
    assert again.stored == 0
    assert store.count("transactions", WS) == 397_924


def test_nps_verbatims_feedback(store, data_dir):
    path = data_dir / "nps_verbatims" / "nps_verbatims.csv"
    dry = import_file(store, "feedback", path, workspace=WS, dry_run=True)
    assert dry.stored == 2353
    assert store.count("responses", WS) == 0  # a dry run writes nothing

    result = import_file(store, "feedback", path, workspace=WS)
    assert result.stored == 2353
    assert result.skipped == {"no score": 32}
    assert result.column_map == {
        "score": "NPS_SCORE",
        "at": "CUSTOMER_RESPONSE_DATE",
        "touchpoint_id": "SURVEY_SUB_TYPE",
        "comment": "text",
    }
    assert any("NPS" in w for w in result.warnings)  # the metric was assumed, and said so
    promoters, detractors, nps, first, last, metric = _sql(
        store,
        "SELECT count_if(score >= 9), count_if(score <= 6), "
        "round(100.0 * (count_if(score >= 9) - count_if(score <= 6)) / count(*), 2), "
        'min("at"), max("at"), any_value(metric) FROM responses',
    )
    assert (promoters, detractors, nps, metric) == (690, 1271, -24.69, "nps")
    # Day-first: 11/04/2018 is 11 April; the range matches the data set's README.
    assert (str(first), str(last)) == ("2017-12-11 19:36:00", "2018-06-20 19:51:00")
    by_stage = dict(
        store.raw.execute(
            "SELECT touchpoint_id, round(100.0 * (count_if(score >= 9) - count_if(score <= 6))"
            " / count(*), 2) FROM responses GROUP BY 1"
        ).fetchall()
    )
    assert by_stage["Order"] == -9.98

    again = import_file(store, "feedback", path, workspace=WS)
    assert (again.stored, again.unchanged) == (0, 2353)
    assert store.count("responses", WS) == 2353


def test_workspaces_are_kept_apart(store, data_dir):
    path = data_dir / "nps_verbatims" / "nps_verbatims.csv"
    import_file(store, "feedback", path, workspace="a")
    second = import_file(store, "feedback", path, workspace="b")
    assert second.stored == 2353
