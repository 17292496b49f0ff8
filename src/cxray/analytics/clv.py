"""Customer lifetime value: BG/NBD for the number of purchases, Gamma-Gamma for their value.

- :class:`BetaGeoFitter` is the BG/NBD model of Fader, Hardie & Lee (2005), "Counting your
  customers the easy way", Marketing Science 24(2):275-284. A customer buys at Poisson rate
  ``lambda ~ Gamma(r, alpha)`` while alive and, after each purchase, drops out for good with
  probability ``p ~ Beta(a, b)``.
- :class:`GammaGammaFitter` is the spend model of Fader, Hardie & Lee (2005), "RFM and CLV:
  using iso-value curves for customer base analysis", J. Marketing Research 42(4):415-430,
  building on Colombo & Jiang (1999): a customer's transactions are ``Gamma(p, nu)`` with
  ``nu ~ Gamma(q, v)``.
- :func:`customer_lifetime_value` combines the two in a discounted sum over months.
- :func:`rfm_summary` turns a transactions table into the (frequency, recency, T,
  monetary_value) the models read, in one Ibis aggregation.

Everything is vectorised numpy/scipy. Fitting maximises the closed-form log-likelihood on
log-parameters with BFGS and an analytic gradient, on the unique (x, t_x, T) triples
weighted by how many customers share them: real data recorded by day collapses a lot.
Standard errors come from the inverse of a numerical Hessian (central differences of the
analytic gradient) at the optimum.

Time is in whatever unit ``recency`` and ``T`` are in (days, weeks); the model parameters and
every prediction ``t`` are in the same unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import digamma, expit, gammaln, hyp2f1

from cxray.analytics.clv_fitting import (
    DAYS_PER_MONTH,
    UNIT_DAYS,
    ArrayLike,
    FitSummary,
    ParameterEstimate,
    TimeUnit,
    _check_penalizer,
    _check_rfm,
    _collapse,
    _column,
    _dot,
    _like,
    _maximise,
    _reject,
    _require_fitted,
    _same_length,
    _standard_errors,
    _summary,
)
from cxray.analytics.clv_rfm import rfm_summary
from cxray.errors import InvalidInputError

__all__ = [
    "DAYS_PER_MONTH",
    "BetaGeoFitter",
    "FitSummary",
    "GammaGammaFitter",
    "ParameterEstimate",
    "customer_lifetime_value",
    "rfm_summary",
]


# --- BG/NBD ------------------------------------------------------------------------------------
class BetaGeoFitter:
    """BG/NBD (Fader, Hardie & Lee 2005): repeat purchases of customers who may silently leave.

    ``penalizer`` adds ``penalizer * sum(theta ** 2)`` to the mean negative log-likelihood
    (the lifetimes convention); 0 gives the maximum-likelihood fit.
    """

    _names = ("r", "alpha", "a", "b")

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer  # stored as given; checked in fit()

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> BetaGeoFitter:
        """Fit on one row per customer: ``frequency`` = repeat purchases x, ``recency`` = t_x
        (time from the first to the last purchase), ``T`` = time from the first purchase to
        the end of observation; ``weights`` = how many customers each row stands for."""
        x, t_x, big_t, w = _check_rfm(frequency, recency, T, weights)
        penalizer = _check_penalizer(self.penalizer)
        data = _Counts.of(*_collapse((x, t_x, big_t), w))
        n = float(data.w.sum())

        def objective(log_theta: np.ndarray) -> tuple[float, np.ndarray]:
            theta = np.exp(log_theta)
            ll, grad = _bgnbd_loglik(theta, data)
            value = -ll / n + penalizer * float(theta @ theta)
            gradient = (-grad / n + 2 * penalizer * theta) * theta  # chain rule to log scale
            return value, gradient

        theta = _maximise(objective, np.log([1.0, 1.0, 1.0, 1.0]))
        ll, _ = _bgnbd_loglik(theta, data)
        self.params_ = dict(zip(self._names, (float(v) for v in theta), strict=True))
        self.n_ = round(n)
        self.log_likelihood_ = float(ll)
        self.standard_errors_ = _standard_errors(
            self._names,
            theta,
            lambda th: _bgnbd_loglik(th, data)[1] - 2 * penalizer * n * th,
        )
        return self

    # --- predictions ----------------------------------------------------------------------
    def conditional_expected_number_of_purchases_up_to_time(
        self,
        t: ArrayLike,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
    ) -> Any:
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` time units of a customer
        with this history (FHL 2005, eq. 10)::

            (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                                   * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
            / [1 + 1{x>0} a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)]
        """
        r, alpha, a, b = self._params()
        t_, x, t_x, big_t = (np.asarray(v, dtype=float) for v in (t, frequency, recency, T))
        rx = r + x
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            decay = np.exp(rx * (np.log(alpha + big_t) - np.log(alpha + big_t + t_)))
            hyp = hyp2f1(rx, b + x, a + b + x - 1, t_ / (alpha + big_t + t_))
            numerator = (a + b + x - 1) / (a - 1) * (1 - decay * hyp)
            # 1 / P(alive), from the same odds as conditional_probability_alive
            inverse_alive = 1 + np.exp(_dead_log_odds(r, alpha, a, b, x, t_x, big_t))
            out = numerator / inverse_alive
        return _like(frequency, np.where(t_ == 0, 0.0, out))

    def conditional_probability_alive(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
    ) -> Any:
        """P(alive | x, t_x, T) = 1 / [1 + 1{x>0} a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)]
        (FHL 2005, eq. 11); a customer with no repeat purchase is alive for sure under BG/NBD,
        because dropping out can only happen right after a purchase."""
        r, alpha, a, b = self._params()
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            alive = expit(-_dead_log_odds(r, alpha, a, b, x, t_x, big_t))
        return _like(frequency, alive)

    def expected_number_of_purchases_up_to_time(self, t: ArrayLike) -> Any:
        """E[X(t)] for a customer picked at random at their first purchase (FHL 2005, eq. 9)::

        (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r * 2F1(r, b; a+b-1; t/(alpha+t))]
        """
        r, alpha, a, b = self._params()
        t_ = np.asarray(t, dtype=float)
        decay = np.exp(r * (np.log(alpha) - np.log(alpha + t_)))
        out = (a + b - 1) / (a - 1) * (1 - decay * hyp2f1(r, b, a + b - 1, t_ / (alpha + t_)))
        return _like(t, out)

    @property
    def summary(self) -> FitSummary:
        """The parameters with their standard errors and 95 % intervals."""
        return _summary("BG/NBD", self.params_, self.standard_errors_, self.n_, self)

    def _params(self) -> tuple[float, float, float, float]:
        _require_fitted(self)
        p = self.params_
        return p["r"], p["alpha"], p["a"], p["b"]


def _dead_log_odds(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: np.ndarray,
    t_x: np.ndarray,
    big_t: np.ndarray,
) -> np.ndarray:
    """log of a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x): the odds of having dropped out; -inf
    for x = 0."""
    log_odds = (
        np.log(a)
        - np.log(np.maximum(b + x - 1, 1e-300))
        + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
    )
    return np.where(x > 0, log_odds, -np.inf)


@dataclass(frozen=True, slots=True)
class _Counts:
    """Collapsed BG/NBD data: unique (x, t_x, T) rows with weights, and the distinct x values
    with their total weights, so the Gamma-function terms (which depend on x alone) are
    evaluated once per distinct x rather than once per row."""

    x: np.ndarray
    t_x: np.ndarray
    big_t: np.ndarray
    w: np.ndarray
    x_values: np.ndarray
    x_weights: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, w: np.ndarray) -> _Counts:
        x_values, where = np.unique(x, return_inverse=True)
        return cls(x, t_x, big_t, w, x_values, np.bincount(where, weights=w))


def _bgnbd_loglik(theta: np.ndarray, data: _Counts) -> tuple[float, np.ndarray]:
    """Weighted BG/NBD log-likelihood and its gradient in (r, alpha, a, b); FHL 2005 eq. 6::

    L = Gamma(r+x) alpha^r / Gamma(r) * B(a, b+x) / B(a, b)
        * [(alpha+T)^-(r+x) + 1{x>0} a/(b+x-1) (alpha+t_x)^-(r+x)]
    """
    r, alpha, a, b = theta
    x, w = data.x, data.w
    rx = r + x
    log_at, log_atx = np.log(alpha + data.big_t), np.log(alpha + data.t_x)
    repeat = x > 0
    c1 = -rx * log_at  # still alive at T
    c2 = np.where(
        repeat, np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - rx * log_atx, -np.inf
    )  # dropped out right after the last purchase
    mix = np.logaddexp(c1, c2)
    share = np.exp(c2 - mix)  # weight of the drop-out branch, 0 when x = 0
    # Terms in x alone, per distinct x. B(a, b+x)/B(a, b) = Gamma(b+x) Gamma(a+b) /
    # (Gamma(b) Gamma(a+b+x)): Gamma(a) cancels.
    ux, uw = data.x_values, data.x_weights
    by_x = (
        gammaln(r + ux)
        - gammaln(r)
        + r * math.log(alpha)
        + gammaln(b + ux)
        + gammaln(a + b)
        - gammaln(b)
        - gammaln(a + b + ux)
    )
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + ux)
    d_r = _dot(uw, digamma(r + ux) - digamma(r) + math.log(alpha)) - _dot(
        w, (1 - share) * log_at + share * log_atx
    )
    d_alpha = uw.sum() * r / alpha - _dot(
        w, rx * ((1 - share) / (alpha + data.big_t) + share / (alpha + data.t_x))
    )
    d_a = _dot(uw, psi_ab - psi_abx) + _dot(w, share) / a
    d_b = _dot(uw, digamma(b + ux) + psi_ab - digamma(b) - psi_abx) - _dot(
        w, share / np.where(repeat, b + x - 1, 1.0)
    )
    return float(_dot(uw, by_x) + _dot(w, mix)), np.array([d_r, d_alpha, d_a, d_b])


# --- Gamma-Gamma -------------------------------------------------------------------------------
class GammaGammaFitter:
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999).

    It assumes a customer's spend per transaction does not depend on how often they buy;
    check that the correlation of frequency and monetary value is small before relying on it.
    ``penalizer`` works as in :class:`BetaGeoFitter`.
    """

    _names = ("p", "q", "v")

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(
        self,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> GammaGammaFitter:
        """Fit on the customers with at least one repeat purchase (``frequency > 0``);
        ``monetary_value`` is their mean repeat-transaction value (``zbar``). Rows with
        ``frequency == 0`` are skipped, as the model has nothing to learn from them."""
        x = _column(frequency, "frequency")
        m = _column(monetary_value, "monetary_value")
        w = np.ones_like(x) if weights is None else _column(weights, "weights")
        _same_length({"frequency": x, "monetary_value": m, "weights": w})
        _reject(frequency, ~np.isfinite(x) | (x < 0), "frequency", "is negative or missing")
        _reject(weights, ~np.isfinite(w) | (w < 0), "weights", "is negative or missing")
        keep = x > 0
        _reject(
            monetary_value,
            keep & ~(np.isfinite(m) & (m > 0)),
            "monetary_value",
            "is not a positive number for a customer with repeat purchases",
        )
        x, m, w = x[keep], m[keep], w[keep]
        if w.sum() < 2:
            raise InvalidInputError(
                "Gamma-Gamma needs customers with repeat purchases (frequency > 0) and their "
                f"mean spend; found {int(keep.sum())}; pass more customers"
            )
        penalizer = _check_penalizer(self.penalizer)
        x, m, w = _collapse((x, m), w)
        n = float(w.sum())

        def objective(log_theta: np.ndarray) -> tuple[float, np.ndarray]:
            theta = np.exp(log_theta)
            ll, grad = _gamma_gamma_loglik(theta, x, m, w)
            value = -ll / n + penalizer * float(theta @ theta)
            return value, (-grad / n + 2 * penalizer * theta) * theta

        theta = _maximise(objective, np.log([1.0, 1.0, 1.0]))
        self.params_ = dict(zip(self._names, (float(v) for v in theta), strict=True))
        self.n_ = round(n)
        self.log_likelihood_ = float(_gamma_gamma_loglik(theta, x, m, w)[0])
        self.standard_errors_ = _standard_errors(
            self._names,
            theta,
            lambda th: _gamma_gamma_loglik(th, x, m, w)[1] - 2 * penalizer * n * th,
        )
        return self

    def conditional_expected_average_profit(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> Any:
        """E[M | x, zbar] = p (v + x zbar) / (p x + q - 1) (FHL 2005 "RFM and CLV", eq. 5): a
        weighted mean of the population mean ``p v / (q - 1)`` and the customer's own mean.
        For ``x = 0`` it is the population mean."""
        _require_fitted(self)
        p, q, v = (self.params_[k] for k in self._names)
        x = np.asarray(frequency, dtype=float)
        m = np.where(x > 0, np.asarray(monetary_value, dtype=float), 0.0)
        return _like(frequency, p * (v + x * m) / (p * x + q - 1))

    def customer_lifetime_value(
        self,
        bgf: BetaGeoFitter,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        monetary_value: ArrayLike,
        time: int = 12,
        discount_rate: float = 0.01,
        freq: TimeUnit = "D",
    ) -> Any:
        """Discounted value of the next ``time`` months; see :func:`customer_lifetime_value`."""
        return customer_lifetime_value(
            bgf,
            self,
            frequency,
            recency,
            T,
            monetary_value,
            time=time,
            discount_rate=discount_rate,
            freq=freq,
        )

    @property
    def summary(self) -> FitSummary:
        return _summary("Gamma-Gamma", self.params_, self.standard_errors_, self.n_, self)


def _gamma_gamma_loglik(
    theta: np.ndarray, x: np.ndarray, m: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """Weighted Gamma-Gamma log-likelihood of the mean spends and its gradient in (p, q, v)::

    f(zbar | x) = Gamma(px+q) / (Gamma(px) Gamma(q)) v^q zbar^(px-1) x^(px) / (v + x zbar)^(px+q)
    """
    p, q, v = theta
    px = p * x
    log_xm_v = np.log(x * m + v)
    per_row = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * math.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_xm_v
    )
    psi_pxq = digamma(px + q)
    d_p = x * (psi_pxq - digamma(px) + np.log(m) + np.log(x) - log_xm_v)
    d_q = psi_pxq - digamma(q) + math.log(v) - log_xm_v
    d_v = q / v - (px + q) / (x * m + v)
    return float(_dot(w, per_row)), np.array([_dot(w, d_p), _dot(w, d_q), _dot(w, d_v)])


# --- CLV ---------------------------------------------------------------------------------------
def customer_lifetime_value(
    bgf: BetaGeoFitter,
    ggf: GammaGammaFitter,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    time: int = 12,
    discount_rate: float = 0.01,
    freq: TimeUnit = "D",
) -> Any:
    """Discounted value of each customer over the next ``time`` months::

        CLV = sum_{i=1..time} E[M | x, zbar] * (E[Y(i m) | x, t_x, T] - E[Y((i-1) m) | ...])
                              / (1 + discount_rate)^i

    where ``m`` is one month in the model's time unit ``freq`` ("D": 30.4375 days, "W":
    4.348 weeks, "M": 1), ``E[Y]`` comes from the BG/NBD and ``E[M]`` from the Gamma-Gamma
    model, and ``discount_rate`` is per month. This is the discrete-time version of FHL 2005
    "RFM and CLV" (eq. 2) used by the BTYD packages; lifetimes takes 30 days / 4.345 weeks as
    its month. Each month's expected purchases are non-negative, so CLV >= 0.
    """
    if freq not in UNIT_DAYS:
        raise InvalidInputError(
            f"unknown time unit {freq!r}; pass the unit recency and T are in: "
            f"one of {sorted(UNIT_DAYS)}"
        )
    if not (isinstance(time, int | np.integer) and time >= 1):
        raise InvalidInputError(f"time must be a whole number of months >= 1, got {time!r}")
    if not discount_rate > -1:
        raise InvalidInputError(f"discount_rate is per month and must be > -1, got {discount_rate}")
    month = DAYS_PER_MONTH / UNIT_DAYS[freq]
    spend = np.asarray(ggf.conditional_expected_average_profit(frequency, monetary_value))
    x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    # One call over all months: shape (time + 1, customers).
    steps = (np.arange(time + 1, dtype=float) * month).reshape((-1,) + (1,) * x.ndim)
    cumulative = np.asarray(
        bgf.conditional_expected_number_of_purchases_up_to_time(steps, x, t_x, big_t)
    )
    # Clip tiny negative steps from hypergeometric round-off: the true increments are >= 0.
    monthly = np.maximum(np.diff(cumulative, axis=0), 0.0)
    discount = (1 + discount_rate) ** -np.arange(1, time + 1, dtype=float)
    value = spend * np.einsum("i,i...->...", discount, monthly)
    return _like(frequency, value)
