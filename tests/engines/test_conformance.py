"""One expression, many engines: the same analytics on DuckDB and on Spark (local mode) agree.

Spark needs Java and the `spark` extra; both are installed by scripts/test. Gaps of an engine
are declared once, in cxray.analytics.engine.ENGINE_GAPS, and marked here from there.
"""

from __future__ import annotations

from datetime import date, datetime

import ibis
import numpy as np
import pandas as pd
import pytest

from cxray.analytics import scores
from cxray.analytics.churn import survival_curves
from cxray.analytics.clv_rfm import rfm_summary
from cxray.analytics.drivers import shapley_drivers
from cxray.analytics.engine import ENGINE_GAPS
from cxray.analytics.own_scale import own_scale_summary

pytestmark = pytest.mark.slow


def _responses(n: int = 600, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "workspace": "w",
            "row_key": [f"r{i}" for i in range(n)],
            "customer_id": [f"c{i % 120}" for i in range(n)],
            "metric": rng.choice(["nps", "csat", "ces"], n, p=[0.6, 0.25, 0.15]),
            "score": rng.integers(0, 11, n).astype(float),
            "unit_id": rng.choice(["u1", "u2", "u3"], n),
            "touchpoint_id": rng.choice(["booking", "visit"], n),
            "at": [
                datetime(2024, 1, 1) + pd.Timedelta(days=int(d)) for d in rng.integers(0, 360, n)
            ],
        }
    ).assign(
        score=lambda d: np.where(
            d.metric == "csat",
            d.score % 5 + 1,
            np.where(d.metric == "ces", d.score % 7 + 1, d.score),
        )
    )


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """The same tables on DuckDB and on Spark."""
    data = {
        "responses": _responses(),
        "transactions": pd.DataFrame(
            {
                "customer_id": [f"c{i % 80}" for i in range(500)],
                "at": [
                    datetime(2024, 1, 1) + pd.Timedelta(days=(i * 37) % 300) for i in range(500)
                ],
                "amount": [float(10 + (i * 7) % 90) for i in range(500)],
            }
        ),
        "survival": pd.DataFrame(
            {
                "days": np.arange(200) % 97 + 1,
                "event": (np.arange(200) % 3 == 0).astype(int),
                "segment": np.where(np.arange(200) % 2, "a", "b"),
            }
        ),
    }
    rng = np.random.default_rng(5)
    drivers = pd.DataFrame(rng.normal(size=(400, 3)), columns=["d0", "d1", "d2"])
    drivers["y"] = drivers @ np.array([0.6, 0.3, 0.1]) + rng.normal(size=400)
    data["drivers"] = drivers
    duck = ibis.duckdb.connect()
    from pyspark.sql import SparkSession

    # A warehouse of its own: tables left by an earlier run must not collide with these.
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark = ibis.pyspark.connect(session)
    out = {}
    for name, frame in data.items():
        # ibis 12's DuckDB create_table from a DataFrame trips on its own temporary view;
        # DuckDB's client loads the frame directly.
        duck.con.register("_incoming", frame)
        duck.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _incoming')
        duck.con.unregister("_incoming")
        spark.create_table(name, frame, overwrite=True)
        out[name] = {"duckdb": duck.table(name), "pyspark": spark.table(name)}
    return out


def _gap(engine: str, analytic: str) -> None:
    reason = ENGINE_GAPS.get(engine, {}).get(analytic)
    if reason:
        pytest.xfail(f"{engine}: {reason}")


def _same(a: object, b: object) -> None:
    assert a == pytest.approx(b, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("metric", ["nps", "csat", "ces"])
def test_scores_agree(engines, metric):
    _gap("pyspark", "scores")
    t = engines["responses"]
    duck, spark = scores.score_of(metric, t["duckdb"]), scores.score_of(metric, t["pyspark"])
    assert (duck.n, duck.top, duck.bottom) == (spark.n, spark.top, spark.bottom)
    _same((duck.value, duck.low, duck.high), (spark.value, spark.low, spark.high))


def test_breakdowns_and_trends_agree(engines):
    t = engines["responses"]
    by_d, by_s = scores.nps_by(t["duckdb"], "unit_id"), scores.nps_by(t["pyspark"], "unit_id")
    assert by_d.keys() == by_s.keys()
    for k in by_d:
        _same(by_d[k].value, by_s[k].value)
    tr_d = scores.score_trend("nps", t["duckdb"], freq="month")
    tr_s = scores.score_trend("nps", t["pyspark"], freq="month")
    assert list(tr_d) == list(tr_s)
    assert [s.n for s in tr_d.values()] == [s.n for s in tr_s.values()]


def test_own_scale_window_functions_agree(engines):
    _gap("pyspark", "own_scale")
    t = engines["responses"]
    d = own_scale_summary(t["duckdb"], by="unit_id").sort_values("unit_id", ignore_index=True)
    s = own_scale_summary(t["pyspark"], by="unit_id").sort_values("unit_id", ignore_index=True)
    _same(d["mean_deviation"].tolist(), s["mean_deviation"].tolist())
    assert d["n"].tolist() == s["n"].tolist()


def test_rfm_summary_agrees(engines):
    _gap("pyspark", "rfm_summary")
    t = engines["transactions"]
    d = rfm_summary(t["duckdb"], observation_end=date(2024, 12, 31))
    s = rfm_summary(t["pyspark"], observation_end=date(2024, 12, 31))
    d, s = (x.sort_values("customer_id", ignore_index=True) for x in (d, s))
    assert d["frequency"].tolist() == s["frequency"].tolist()
    _same(d["monetary_value"].tolist(), s["monetary_value"].tolist())


def test_drivers_agree(engines):
    _gap("pyspark", "drivers")
    t = engines["drivers"]
    d = shapley_drivers(t["duckdb"], "y", ["d0", "d1", "d2"], n_boot=0)
    s = shapley_drivers(t["pyspark"], "y", ["d0", "d1", "d2"], n_boot=0)
    _same(d.r2, s.r2)
    assert [w.driver for w in d.weights] == [w.driver for w in s.weights]


def test_survival_agrees(engines):
    t = engines["survival"]
    d = survival_curves(t["duckdb"], duration="days", event="event", by="segment")
    s = survival_curves(t["pyspark"], duration="days", event="event", by="segment")
    for k in d:
        _same(d[k].survival.tolist(), s[k].survival.tolist())
