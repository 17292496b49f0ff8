"""Key drivers: hand-derivable cases, independent re-computations, real data, properties."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize

from cxray.analytics.drivers import driver_matrix, key_drivers, relative_weights, shapley_drivers
from cxray.errors import InsufficientDataError, InvalidInputError

RATINGS = [
    "Inflight wifi service",
    "Departure/Arrival time convenient",
    "Ease of Online booking",
    "Gate location",
    "Food and drink",
    "Online boarding",
    "Seat comfort",
    "Inflight entertainment",
    "On-board service",
    "Leg room service",
    "Baggage handling",
    "Checkin service",
    "Inflight service",
    "Cleanliness",
]


def _ols_r2(x: np.ndarray, y: np.ndarray) -> float:
    a = np.column_stack([np.ones(len(y)), x])
    fitted = a @ np.linalg.lstsq(a, y, rcond=None)[0]
    return float(1 - ((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum())


def _frame(x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame(x, columns=[f"d{i}" for i in range(x.shape[1])])
    df["y"] = y
    return df


def _correlated(n: int, k: int, seed: int, mix: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    x = rng.normal(size=(n, k)) + mix * common
    y = x @ np.linspace(1.0, 0.2, k) + rng.normal(size=n) * 1.5
    return _frame(x, y)


# --- hand-derivable cases ----------------------------------------------------------------------
def test_orthogonal_drivers_get_their_squared_correlations():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(400, 3))
    x, _ = np.linalg.qr(a - a.mean(axis=0))  # centred, exactly orthogonal columns
    y = x @ [3.0, 2.0, 1.0] + rng.normal(size=400) * 0.05
    df = _frame(x, y)
    r = np.array([np.corrcoef(x[:, j], y)[0, 1] for j in range(3)])
    assert np.abs(np.corrcoef(x, rowvar=False) - np.eye(3)).max() < 1e-9
    for method in (relative_weights, shapley_drivers):
        res = method(df, "y", ["d0", "d1", "d2"], n_boot=0)
        got = [res.weight(f"d{j}").weight for j in range(3)]
        assert got == pytest.approx(r**2, abs=1e-9)
        assert [w.driver for w in res.weights] == ["d0", "d1", "d2"]


def test_two_identical_drivers_split_the_weight_equally():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=300), rng.normal(size=300)
    y = a + 0.5 * b + rng.normal(size=300)
    df = pd.DataFrame({"a1": a, "a2": a, "b": b, "y": y})
    r2 = _ols_r2(np.column_stack([a, b]), y)
    for method in (relative_weights, shapley_drivers):
        res = method(df, "y", ["a1", "a2", "b"], n_boot=20)
        assert res.weight("a1").weight == pytest.approx(res.weight("a2").weight, abs=1e-9)
        assert res.r2 == pytest.approx(r2, abs=1e-9)


def test_shapley_matches_brute_force_dominance_with_lstsq():
    df = _correlated(300, 4, seed=11)
    names = ["d0", "d1", "d2", "d3"]
    x, y = df[names].to_numpy(), df["y"].to_numpy()

    def r2(subset: tuple[int, ...]) -> float:
        return _ols_r2(x[:, list(subset)], y) if subset else 0.0

    k = 4
    expected = []
    for j in range(k):
        others = [i for i in range(k) if i != j]
        total = 0.0
        for size in range(k):  # Azen & Budescu (2003): mean within size, then over sizes
            gains = [r2((*s, j)) - r2(s) for s in itertools.combinations(others, size)]
            total += np.mean(gains) / k
        expected.append(total)
    res = shapley_drivers(df, "y", names, n_boot=0)
    assert [res.weight(n).weight for n in names] == pytest.approx(expected, abs=1e-10)
    assert sum(expected) == pytest.approx(r2((0, 1, 2, 3)), abs=1e-10)


def test_two_drivers_closed_form():
    # With two drivers, R² = (r1² + r2² - 2 r1 r2 r12) / (1 - r12²) and the Shapley weight of
    # driver 1 is (r1² + R² - r2²) / 2 (the mean of its two gains).
    df = _correlated(500, 2, seed=2)
    c = df.corr().to_numpy()
    r1, r2, r12 = c[2, 0], c[2, 1], c[0, 1]
    full = (r1**2 + r2**2 - 2 * r1 * r2 * r12) / (1 - r12**2)
    res = shapley_drivers(df, "y", ["d0", "d1"], n_boot=0)
    assert res.r2 == pytest.approx(full, abs=1e-12)
    assert res.weight("d0").weight == pytest.approx((r1**2 + full - r2**2) / 2, abs=1e-12)


def test_shapley_and_relative_weights_agree_closely_and_sum_to_r2():
    df = _correlated(2000, 5, seed=7, mix=0.4)
    names = [f"d{i}" for i in range(5)]
    rw = relative_weights(df, "y", names, n_boot=0)
    sh = shapley_drivers(df, "y", names, n_boot=0)
    ols = _ols_r2(df[names].to_numpy(), df["y"].to_numpy())
    assert sum(w.weight for w in sh.weights) == pytest.approx(ols, abs=1e-10)
    assert sh.r2 == pytest.approx(ols, abs=1e-10)
    for n in names:  # Johnson (2000) shows the two within about 0.01 on such data
        assert rw.weight(n).weight == pytest.approx(sh.weight(n).weight, abs=1e-2)
    assert [w.driver for w in rw.weights] == [w.driver for w in sh.weights]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    k=st.integers(1, 6),
    n=st.integers(20, 300),
    mix=st.floats(0.0, 2.0),
)
def test_weights_sum_to_the_ols_r2(seed, k, n, mix):
    df = _correlated(n, k, seed=seed, mix=mix)
    names = [f"d{i}" for i in range(k)]
    ols = _ols_r2(df[names].to_numpy(), df["y"].to_numpy())
    for method in (relative_weights, shapley_drivers):
        res = method(df, "y", names, n_boot=0)
        assert sum(w.weight for w in res.weights) == pytest.approx(ols, abs=1e-8)
        assert all(w.weight >= -1e-12 for w in res.weights)
        assert sum(w.share for w in res.weights) == pytest.approx(100.0)


# --- intervals ---------------------------------------------------------------------------------
def test_block_bootstrap_matches_the_delta_method_error_of_r_squared():
    # One driver: the weight is r², whose standard error is about 2|r|(1 - r²)/sqrt(n)
    # (the delta method on var(r) = (1 - r²)²/n for bivariate normal data).
    rng = np.random.default_rng(0)
    n = 50_000
    x = rng.normal(size=n)
    y = 0.5 * x + rng.normal(size=n)
    df = pd.DataFrame({"x": x, "y": y})
    res = relative_weights(df, "y", ["x"], n_boot=400, seed=1)
    r = np.corrcoef(x, y)[0, 1]
    se = 2 * abs(r) * (1 - r**2) / math.sqrt(n)
    width = (res.weights[0].high - res.weights[0].low) / (2 * 1.96)
    assert width == pytest.approx(se, rel=0.2)
    assert res.r2_low < res.r2 < res.r2_high


def test_same_seed_same_intervals_and_engines_agree():
    df = _correlated(400, 3, seed=4)
    a = shapley_drivers(df, "y", ["d0", "d1", "d2"], seed=9, n_boot=20)
    b = shapley_drivers(ibis.memtable(df), "y", ["d0", "d1", "d2"], seed=9, n_boot=20)
    # Equal up to float summation order: a parallel engine may add partial sums in any order.
    assert a.r2 == pytest.approx(b.r2, rel=1e-9)
    for wa, wb in zip(a.weights, b.weights, strict=True):
        assert wa.driver == wb.driver and wa.rank == wb.rank
        assert (wa.weight, wa.low, wa.high) == pytest.approx((wb.weight, wb.low, wb.high), rel=1e-9)
    assert all(w.low <= w.weight <= w.high for w in a.weights)


# --- missing values ----------------------------------------------------------------------------
def test_na_values_and_pairwise_use_the_pairwise_correlations():
    df = _correlated(600, 2, seed=8)
    df.loc[::7, "d0"] = 0.0  # a "not applicable" code
    df.loc[::5, "d1"] = np.nan
    clean = df.replace({"d0": {0.0: np.nan}})
    c = clean.corr().to_numpy()  # pandas: pairwise-complete correlations
    r1, r2, r12 = c[2, 0], c[2, 1], c[0, 1]
    full = (r1**2 + r2**2 - 2 * r1 * r2 * r12) / (1 - r12**2)
    res = shapley_drivers(df, "y", ["d0", "d1"], na_values={0}, missing="pairwise", n_boot=0)
    assert res.r2 == pytest.approx(full, abs=1e-10)
    assert res.n == clean[["d0", "d1"]].notna().all(axis=1).sum()
    listwise = relative_weights(df, "y", ["d0", "d1"], na_values={0}, n_boot=0)
    assert listwise.n == clean.dropna().shape[0]
    assert listwise.r2 == pytest.approx(
        _ols_r2(clean.dropna()[["d0", "d1"]].to_numpy(), clean.dropna()["y"].to_numpy())
    )


# --- logistic relative weights ------------------------------------------------------------------
def test_logistic_weights_sum_to_r2_of_an_independent_logistic_fit():
    rng = np.random.default_rng(12)
    n = 800
    x = rng.normal(size=(n, 3))
    x[:, 1] += 0.6 * x[:, 0]
    y = (rng.random(n) < 1 / (1 + np.exp(-(x @ [1.2, 0.6, -0.3])))).astype(float)
    df = _frame(x, y)
    df["y"] = np.where(y == 1, "churned", "stayed")
    res = relative_weights(df, "y", ["d0", "d1", "d2"], n_boot=30)
    assert res.model == "logistic"

    def nll(beta: np.ndarray) -> float:
        eta = beta[0] + x @ beta[1:]
        return float(np.sum(np.logaddexp(0, eta) - y * eta))

    beta = optimize.minimize(nll, np.zeros(4), method="BFGS", options={"gtol": 1e-9}).x
    prob = 1 / (1 + np.exp(-(beta[0] + x @ beta[1:])))
    r2_o = np.corrcoef(y, prob)[0, 1] ** 2  # Menard's R_O², computed on the raw drivers
    assert res.r2 == pytest.approx(r2_o, abs=1e-5)
    assert sum(w.weight for w in res.weights) == pytest.approx(res.r2, abs=1e-12)
    assert res.top == "d0"


# --- a published example -----------------------------------------------------------------------
def test_relative_weights_reproduce_the_published_mtcars_example():
    # mpg on cyl, disp, hp and gear of R's mtcars (mtcars.csv beside this file), as printed
    # in the README of the rwa package (Chan, github.com/martinctc/rwa): R² 0.7791896; raw
    # weights 0.2284797, 0.2221469, 0.2321744, 0.0963886; rescaled 29.32274, 28.50999,
    # 29.79691, 12.37037.
    cars = pd.read_csv(Path(__file__).with_name("mtcars.csv"))
    res = key_drivers(cars, "mpg", ["cyl", "disp", "hp", "gear"], method="relative_weights")
    assert (res.method, res.model, res.n) == ("relative_weights", "linear", 32)
    assert res.r2 == pytest.approx(0.7791896, abs=5e-8)
    published = {
        "cyl": (0.2284797, 29.32274),
        "disp": (0.2221469, 28.50999),
        "hp": (0.2321744, 29.79691),
        "gear": (0.0963886, 12.37037),
    }
    for name, (weight, share) in published.items():
        assert res.weight(name).weight == pytest.approx(weight, abs=5e-8)
        assert res.weight(name).share == pytest.approx(share, abs=5e-6)
    assert sum(w.weight for w in res.weights) == pytest.approx(res.r2, abs=1e-12)
    # The bootstrap interval holds the estimate; 32 rows are 32 blocks, resampled whole.
    assert res.r2_low < res.r2 < res.r2_high
    assert all(w.low <= w.weight <= w.high for w in res.weights)


def test_key_drivers_runs_the_named_method_and_refuses_others():
    df = _correlated(300, 3, seed=11)
    names = ["d0", "d1", "d2"]
    for method, direct in (("shapley", shapley_drivers), ("relative_weights", relative_weights)):
        got = key_drivers(df, "y", names, method=method, n_boot=20, seed=4)
        assert got == direct(df, "y", names, n_boot=20, seed=4)
        assert got.method == method
    with pytest.raises(InvalidInputError, match="method must be shapley or relative_weights"):
        key_drivers(df, "y", names, method="dominance")


# --- real data: airline passenger satisfaction ---------------------------------------------------
def test_online_boarding_is_the_top_driver_of_airline_satisfaction(airline):
    rw = relative_weights(airline, "satisfaction", RATINGS, na_values={0}, n_boot=20)
    sh = shapley_drivers(airline, "satisfaction", RATINGS, na_values={0}, n_boot=20)
    # 25,976 rows, 2,113 with at least one 0 = "not applicable" (counted with pandas)
    assert rw.n == sh.n == 23_863
    assert rw.top == sh.top == "Online boarding"
    assert rw.model == "logistic" and sh.model == "linear"
    assert 0.50 < rw.r2 < 0.60  # R_O² = 0.546
    assert 0.45 < sh.r2 < 0.53  # linear probability R² = 0.491
    top = rw.weights[0]
    assert top.low > rw.weights[1].high  # clearly first, not by chance
    assert top.correlation > 0.45  # point-biserial r 0.495 in the data set's README (0 kept)
    linear = relative_weights(
        airline, "satisfaction", RATINGS, na_values={0}, binary=False, n_boot=0
    )
    assert linear.r2 == pytest.approx(sh.r2, abs=1e-10)
    assert linear.top == "Online boarding"


# --- the wide matrix ---------------------------------------------------------------------------
def test_driver_matrix_pivots_means_and_joins_the_outcome():
    responses = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b", "c", "c", "c"],
            "touchpoint_id": ["web", "web", "shop", "web", None, "shop", "shop", None],
            "metric": ["csat", "csat", "csat", "csat", "nps", "csat", "csat", "nps"],
            "score": [4.0, 2.0, 5.0, 1.0, 9.0, 3.0, np.nan, 4.0],
        }
    )
    by_metric = driver_matrix(responses, outcome="nps")
    assert list(by_metric.columns) == ["customer_id", "shop", "web", "nps"]
    assert by_metric["customer_id"].tolist() == ["b", "c"]  # a has no NPS answer
    assert by_metric["web"].tolist()[0] == 1.0 and math.isnan(by_metric["shop"].tolist()[0])
    assert by_metric["shop"].tolist()[1] == 3.0 and by_metric["nps"].tolist() == [9.0, 4.0]

    customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "churned": [True, False, True]})
    by_table = driver_matrix(responses, outcome=customers, outcome_column="churned", metric="csat")
    assert by_table["customer_id"].tolist() == ["a", "b", "c"]
    assert by_table["web"].tolist()[0] == 3.0  # mean of 4 and 2
    assert by_table["churned"].tolist() == [True, False, True]


# --- errors -------------------------------------------------------------------------------------
def test_errors_say_what_to_do():
    df = _correlated(50, 2, seed=1)
    df["text"] = "x"
    with pytest.raises(InvalidInputError, match="not numbers"):
        relative_weights(df, "y", ["d0", "text"])
    with pytest.raises(InvalidInputError, match="no column"):
        relative_weights(df, "y", ["d0", "nope"])
    with pytest.raises(InvalidInputError, match="relative_weights"):
        shapley_drivers(df, "y", [f"d{i}" for i in range(16)])
    with pytest.raises(InvalidInputError, match="exactly two values"):
        relative_weights(df.assign(y=list("abc") * 16 + ["a", "b"]), "y", ["d0"])
    df["flat"] = 1.0
    with pytest.raises(InsufficientDataError, match="no variation"):
        shapley_drivers(df, "y", ["d0", "flat"])
