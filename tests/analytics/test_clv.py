"""CLV: published CDNOW parameters and predictions, RFM from raw transactions, properties."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxray.analytics.clv import (
    BetaGeoFitter,
    FitSummary,
    GammaGammaFitter,
    customer_lifetime_value,
    rfm_summary,
)
from cxray.errors import InvalidInputError

CDNOW = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cdnow"
CALIBRATION_END = date(1997, 9, 30)  # the 39-week calibration period of FHL 2005


def _read(name: str, **options: object) -> pd.DataFrame:
    path = CDNOW / name
    if not path.exists():
        pytest.fail(f"shared data set {path} is not here")
    return pd.read_csv(path, **options)


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    """2,357 sampled customers: x, t_x, T in weeks, zbar = mean repeat spend (FHL 2005)."""
    return _read("cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="module")
def cdnow_sample_transactions() -> pd.DataFrame:
    t = _read(
        "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "sample_id", "date", "cds", "amount"],
        dtype={"master_id": str},
    )
    t["at"] = pd.to_datetime(t["date"].astype(str), format="%Y%m%d")
    return t


@pytest.fixture(scope="module")
def bgf(cdnow_summary: pd.DataFrame) -> BetaGeoFitter:
    s = cdnow_summary
    return BetaGeoFitter().fit(s["x"], s["t_x"], s["T"])


@pytest.fixture(scope="module")
def ggf(cdnow_summary: pd.DataFrame) -> GammaGammaFitter:
    return GammaGammaFitter().fit(cdnow_summary["x"], cdnow_summary["zbar"])


# --- BG/NBD: Fader, Hardie & Lee (2005), Marketing Science 24:275 --------------------------------
def test_bg_nbd_reproduces_published_cdnow_parameters(bgf):
    published = {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}
    for name, value in published.items():
        assert bgf.params_[name] == pytest.approx(value, rel=1e-3), name
    assert bgf.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)  # published LL
    assert bgf.n_ == 2357


def test_bg_nbd_summary_on_the_published_summary_file():
    # The four-column file of the data set's README must give the same fit.
    s = _read("cdnow_customers_summary.csv")
    f = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    assert f.params_["alpha"] == pytest.approx(4.4135, rel=1e-3)


def test_bg_nbd_reproduces_published_predictions(bgf):
    # FHL 2005, p. 280: a customer with x=2, t_x=30.43, T=38.86 buys 1.226 times in 39 weeks.
    assert bgf.conditional_expected_number_of_purchases_up_to_time(
        39, 2, 30.43, 38.86
    ) == pytest.approx(1.226, abs=5e-4)
    # E[X(t)] at the published t (weeks), printed to 4 decimals; the 78-week figure (1.8576)
    # to 3 significant digits, as lifetimes gets 1.858 from the same parameters.
    published = {0.1429: 0.0078, 1: 0.0532, 3: 0.1506, 31.8571: 1.0405, 32: 1.0437}
    got = bgf.expected_number_of_purchases_up_to_time(np.array(list(published)))
    for (t, expected), value in zip(published.items(), got, strict=True):
        assert value == pytest.approx(expected, abs=5e-5), t
    assert bgf.expected_number_of_purchases_up_to_time(78) == pytest.approx(1.8576, rel=5e-4)


def test_bg_nbd_probability_alive_by_hand(bgf):
    # Eq. 11 worked by hand at the fitted parameters for customer 1 (x=2, t_x=30.43, T=38.86).
    r, alpha, a, b = (bgf.params_[k] for k in ("r", "alpha", "a", "b"))
    odds = a / (b + 2 - 1) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2)
    assert bgf.conditional_probability_alive(2, 30.43, 38.86) == pytest.approx(1 / (1 + odds))
    assert bgf.conditional_probability_alive(2, 30.43, 38.86) == pytest.approx(0.7266, abs=5e-4)
    assert bgf.conditional_probability_alive(0, 0, 38.86) == 1.0  # no repeat: alive for sure


def test_bg_nbd_standard_errors_and_summary(bgf):
    # Standard errors from the inverse Hessian; the lifetimes documentation prints
    # 0.013, 0.378, 0.186, 0.705 for this fit.
    expected = {"r": 0.0126, "alpha": 0.378, "a": 0.186, "b": 0.705}
    for name, se in expected.items():
        assert bgf.standard_errors_[name] == pytest.approx(se, rel=0.02), name
    summary = bgf.summary
    assert isinstance(summary, FitSummary) and summary.n == 2357
    for p in summary.params:
        assert p.low < p.value < p.high and p.low > 0
    frame = summary.to_frame()
    assert list(frame.index) == ["r", "alpha", "a", "b"]


def test_bg_nbd_weights_equal_repeated_rows(cdnow_summary):
    s = cdnow_summary.head(800)
    doubled = pd.concat([s, s])
    a = BetaGeoFitter().fit(doubled["x"], doubled["t_x"], doubled["T"])
    b = BetaGeoFitter().fit(s["x"], s["t_x"], s["T"], weights=np.full(len(s), 2.0))
    for k in a.params_:
        assert a.params_[k] == pytest.approx(b.params_[k], rel=1e-6)


def test_bg_nbd_predictions_keep_pandas_index(bgf, cdnow_summary):
    s = cdnow_summary.set_index("ID")
    alive = bgf.conditional_probability_alive(s["x"], s["t_x"], s["T"])
    assert isinstance(alive, pd.Series) and alive.index.equals(s.index)


# --- validation ----------------------------------------------------------------------------------
def test_recency_after_T_names_the_rows_and_the_fix():
    x = pd.Series([1, 2, 0], index=["a", "b", "c"])
    with pytest.raises(InvalidInputError, match=r"recency.*greater than T.*\['b'\].*same unit"):
        BetaGeoFitter().fit(x, pd.Series([1.0, 9.0, 0.0], index=x.index), [5.0, 5.0, 5.0])


def test_negative_frequency_is_rejected():
    with pytest.raises(InvalidInputError, match=r"frequency.*whole number >= 0.*rows \[1\]"):
        BetaGeoFitter().fit([1, -1], [1.0, 2.0], [5.0, 5.0])


def test_settings_are_not_validated_until_fit():
    f = BetaGeoFitter(penalizer=-1)  # the estimator contract: __init__ stores as given
    assert f.penalizer == -1
    with pytest.raises(InvalidInputError, match="penalizer"):
        f.fit([1], [1.0], [2.0])
    with pytest.raises(InvalidInputError, match="not fitted"):
        BetaGeoFitter().conditional_probability_alive(1, 1, 2)


# --- Gamma-Gamma: Fader, Hardie & Lee (2005), JMR 42:415 ----------------------------------------
def test_gamma_gamma_reproduces_published_cdnow_parameters(ggf):
    published = {"p": 6.2488, "q": 3.7446, "v": 15.4477}
    for name, value in published.items():
        assert ggf.params_[name] == pytest.approx(value, rel=1e-3), name
    assert ggf.n_ == 946  # the repeaters
    assert ggf.log_likelihood_ == pytest.approx(-4055.92, abs=0.01)  # data README


def test_gamma_gamma_reproduces_published_expected_spend(ggf, cdnow_summary):
    first = cdnow_summary.head(10)
    got = ggf.conditional_expected_average_profit(first["x"], first["zbar"])
    published = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    assert got.to_numpy() == pytest.approx(published, abs=0.011)


def test_clv_equals_the_hand_built_discounted_sum(bgf, ggf, cdnow_summary):
    s = cdnow_summary.head(50)
    clv = customer_lifetime_value(
        bgf, ggf, s["x"], s["t_x"], s["T"], s["zbar"], time=6, discount_rate=0.01, freq="W"
    )
    month = 365.25 / 12 / 7
    expected = np.zeros(len(s))
    spend = ggf.conditional_expected_average_profit(s["x"], s["zbar"]).to_numpy()
    for i in range(1, 7):
        step = bgf.conditional_expected_number_of_purchases_up_to_time(
            i * month, s["x"], s["t_x"], s["T"]
        ) - bgf.conditional_expected_number_of_purchases_up_to_time(
            (i - 1) * month, s["x"], s["t_x"], s["T"]
        )
        expected += spend * step.to_numpy() / 1.01**i
    assert clv.to_numpy() == pytest.approx(expected, rel=1e-9)
    same = ggf.customer_lifetime_value(
        bgf, s["x"], s["t_x"], s["T"], s["zbar"], time=6, discount_rate=0.01, freq="W"
    )
    assert same.to_numpy() == pytest.approx(clv.to_numpy())


# --- RFM from raw transactions -------------------------------------------------------------------
def test_rfm_summary_rebuilds_the_published_cdnow_summary(cdnow_sample_transactions, cdnow_summary):
    rfm = rfm_summary(
        ibis.memtable(cdnow_sample_transactions),
        customer_id="sample_id",
        observation_end=CALIBRATION_END,
        freq="D",
        time_unit="W",
    )
    m = rfm.merge(cdnow_summary, left_on="sample_id", right_on="ID", suffixes=("", "_pub"))
    assert len(m) == len(rfm) == 2357
    assert (m["frequency"] == m["x"]).all()
    assert m["recency"].to_numpy() == pytest.approx(m["t_x"].to_numpy(), abs=0.0051)  # 2 dp
    assert m["T"].to_numpy() == pytest.approx(m["T_pub"].to_numpy(), abs=0.0051)
    assert m["monetary_value"].to_numpy() == pytest.approx(m["zbar"].to_numpy(), abs=0.0051)
    # Fitting on the rebuilt summary gives the published parameters again.
    f = BetaGeoFitter().fit(rfm["frequency"], rfm["recency"], rfm["T"])
    assert f.params_["r"] == pytest.approx(0.2426, rel=2e-3)


def test_rfm_summary_on_the_full_master_file():
    t = _read("CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str})
    t["at"] = pd.to_datetime(t["date"].astype(str), format="%Y%m%d")
    rfm = rfm_summary(t, amount="dollar_value", observation_end=date(1998, 6, 30))
    assert len(rfm) == 23570  # data README
    assert rfm["T"].min() >= 0 and (rfm["recency"] <= rfm["T"]).all()


def test_rfm_summary_counts_purchase_days_by_hand():
    t = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "at": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 17:00",
                    "2024-01-05",
                    "2024-01-11",
                    "2024-01-08",
                    "2024-02-01",
                ],
                format="ISO8601",
            ),
            "amount": [10.0, 5.0, 20.0, 40.0, 7.0, 99.0],
        }
    )
    rfm = rfm_summary(t, observation_end=date(2024, 1, 31)).set_index("customer_id")
    assert list(rfm.index) == ["a", "b"]  # c bought after the end
    assert rfm.loc["a"].to_dict() == {
        "frequency": 2,  # three purchase days, the first is not a repeat
        "recency": 10.0,
        "T": 30.0,
        "monetary_value": 30.0,  # mean of 20 and 40: the first day's 15 is left out
    }
    assert rfm.loc["b"].to_dict() == {"frequency": 0, "recency": 0, "T": 23, "monetary_value": 0}


def test_rfm_summary_says_which_column_is_missing():
    with pytest.raises(InvalidInputError, match=r"no column\(s\) \['amount'\]"):
        rfm_summary(
            pd.DataFrame({"customer_id": ["a"], "at": pd.to_datetime(["2024-01-01"])}),
            observation_end=date(2024, 2, 1),
        )


# --- properties ----------------------------------------------------------------------------------
@st.composite
def _customers(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 20))
    big_t = np.array(draw(st.lists(st.floats(0.5, 200), min_size=n, max_size=n)))
    share = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    x = np.array(draw(st.lists(st.integers(0, 60), min_size=n, max_size=n)), dtype=float)
    t_x = np.where(x > 0, np.maximum(share * big_t, 1e-3), 0.0)
    spend = np.array(draw(st.lists(st.floats(0.01, 5000), min_size=n, max_size=n)))
    return x, t_x, big_t, spend


@settings(max_examples=60, deadline=None)
@given(_customers(), st.integers(1, 36), st.floats(0.0, 0.2))
def test_clv_is_never_negative_and_p_alive_is_a_probability(bgf, ggf, data, months, rate):
    x, t_x, big_t, spend = data
    alive = bgf.conditional_probability_alive(x, t_x, big_t)
    assert np.all((alive >= 0) & (alive <= 1))
    clv = customer_lifetime_value(
        bgf, ggf, x, t_x, big_t, spend, time=months, discount_rate=rate, freq="W"
    )
    assert np.all(np.isfinite(clv)) and np.all(clv >= 0)
