"""Shared pieces of the CLV models: result types, input checks, the optimiser, and the
standard errors. The public names live in :mod:`cxray.analytics.clv`."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from scipy import optimize

from cxray.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

ArrayLike = Any  # numbers, numpy arrays, pandas Series: anything np.asarray takes
TimeUnit = Literal["D", "W", "M"]

# One month in each time unit, for the monthly steps of the CLV sum: the mean calendar month
# (365.25 / 12 days). lifetimes used 30 days and 4.345 weeks, so its CLV in days is ~1.5 %
# lower for the same model.
DAYS_PER_MONTH = 365.25 / 12
UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": DAYS_PER_MONTH}


# --- results -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ParameterEstimate:
    """One fitted parameter with its standard error and 95 % interval.

    The parameters are positive, so the interval is built on the log scale (delta method,
    ``se(log theta) = se(theta) / theta``) and never goes below zero.
    """

    name: str
    value: float
    std_error: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class FitSummary:
    """What a fit learned: the parameters with their intervals, the n and the log-likelihood."""

    model: str
    params: tuple[ParameterEstimate, ...]
    n: int
    log_likelihood: float
    confidence: float = 0.95

    def __getitem__(self, name: str) -> ParameterEstimate:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter (index = name): value, std_error, low, high."""
        import pandas as pd

        return pd.DataFrame([asdict(p) for p in self.params]).set_index("name")

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "params": [asdict(p) for p in self.params],
            "n": self.n,
            "log_likelihood": self.log_likelihood,
            "confidence": self.confidence,
        }


# --- fitting and checks ---------------------------------------------------------------------
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of a * b without BLAS: on a busy machine a multi-threaded BLAS dot product of
    one vector can be a thousand times slower than this loop (thread oversubscription)."""
    return float(np.einsum("i,i->", a, b))


def _maximise(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]], start: np.ndarray
) -> np.ndarray:
    """Minimise ``objective`` (value and gradient on log-parameters) with BFGS, from a
    couple of starts, and return the parameters on their natural scale.

    BFGS rather than L-BFGS-B: on log-parameters no bounds are needed, and scipy's L-BFGS-B
    calls BLAS for its tiny vectors, which a busy multi-core machine (thread
    oversubscription) slows down a hundredfold."""
    best: optimize.OptimizeResult | None = None
    for shift in (0.0, -1.0, 1.0):
        res = optimize.minimize(
            objective,
            start + shift,
            jac=True,
            method="BFGS",
            options={"maxiter": 2000, "gtol": 1e-9},
        )
        if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
            best = res
        # BFGS may report a "precision loss" at an optimum it cannot improve on in floating
        # point; a vanishing gradient is the test that matters.
        if best is not None and np.max(np.abs(best.jac)) < 1e-6:
            break
    if best is None or not np.isfinite(best.fun):
        raise InvalidInputError(
            "the model could not be fitted: the log-likelihood is not finite anywhere tried; "
            "check the data (are recency and T in the same unit?) or pass a penalizer > 0"
        )
    return np.exp(best.x)


def _standard_errors(
    names: Sequence[str], theta: np.ndarray, gradient: Callable[[np.ndarray], np.ndarray]
) -> dict[str, float]:
    """sqrt(diag((-H)^-1)) with H the Hessian of the log-likelihood, by central differences of
    the analytic gradient (relative steps, symmetrised)."""
    k = len(theta)
    hessian = np.empty((k, k))
    for j in range(k):
        h = 1e-5 * theta[j]
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        hessian[:, j] = (gradient(up) - gradient(down)) / (2 * h)
    hessian = (hessian + hessian.T) / 2
    try:
        cov = np.linalg.inv(-hessian)
        se = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
    except np.linalg.LinAlgError:  # flat likelihood: the data cannot pin the parameters down
        se = np.full(k, np.nan)
    return dict(zip(names, (float(s) for s in se), strict=True))


def _summary(
    model: str,
    params: dict[str, float],
    errors: dict[str, float],
    n: int,
    fitter: Any,
    confidence: float = 0.95,
) -> FitSummary:
    _require_fitted(fitter)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    out = []
    for name, value in params.items():
        se = errors[name]
        spread = math.exp(z * se / value) if math.isfinite(se) else math.nan
        out.append(ParameterEstimate(name, value, se, value / spread, value * spread))
    return FitSummary(model, tuple(out), n, fitter.log_likelihood_, confidence)


def _require_fitted(fitter: Any) -> None:
    if not hasattr(fitter, "params_"):
        raise InvalidInputError(
            f"this {type(fitter).__name__} is not fitted yet; call .fit(...) first"
        )


def _check_penalizer(penalizer: Any) -> float:
    try:
        value = float(penalizer)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise InvalidInputError(f"penalizer must be a number >= 0, got {penalizer!r}")
    return value


def _column(values: ArrayLike, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"column {name!r} must hold numbers; convert it first (e.g. pd.to_numeric)"
        ) from exc
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    return arr


def _same_length(columns: dict[str, np.ndarray]) -> None:
    lengths = {k: len(v) for k, v in columns.items()}
    if len(set(lengths.values())) > 1:
        raise InvalidInputError(
            f"columns have different lengths {lengths}; pass one row per customer"
        )


def _reject(original: ArrayLike, bad: np.ndarray, name: str, problem: str, fix: str = "") -> None:
    """Raise InvalidInputError naming the column, up to five offending rows and the fix."""
    if not np.any(bad):
        return
    positions = np.flatnonzero(bad)
    index = _pandas_index(original)
    labels = [index[i] for i in positions[:5]] if index is not None else positions[:5].tolist()
    more = f" and {len(positions) - 5} more" if len(positions) > 5 else ""
    raise InvalidInputError(
        f"column {name!r} {problem} in {len(positions)} row(s): rows {labels}{more}; "
        f"{fix or 'fix or drop those rows and fit again'}"
    )


def _check_rfm(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    weights: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, big_t = _column(frequency, "frequency"), _column(recency, "recency"), _column(T, "T")
    w = np.ones_like(x) if weights is None else _column(weights, "weights")
    _same_length({"frequency": x, "recency": t_x, "T": big_t, "weights": w})
    if len(x) == 0:
        raise InvalidInputError("no customers to fit on; pass at least one row")
    _reject(
        frequency,
        ~np.isfinite(x) | (x < 0) | (x != np.round(x)),
        "frequency",
        "is not a whole number >= 0 (repeat purchases)",
    )
    _reject(recency, ~np.isfinite(t_x) | (t_x < 0), "recency", "is negative or missing")
    _reject(T, ~np.isfinite(big_t) | (big_t <= 0), "T", "is not a positive number")
    _reject(
        recency,
        t_x > big_t * (1 + 1e-9),
        "recency",
        "is greater than T (the last purchase is after the end of observation)",
        "recency and T must be in the same unit and measured from the first purchase; "
        "fix those rows or build the summary with rfm_summary()",
    )
    _reject(
        frequency,
        (x > 0) & (t_x <= 0),
        "frequency",
        "is > 0 while recency is 0 (a repeat purchase needs time after the first one)",
        "count purchases per period (rfm_summary does) so same-day purchases are one",
    )
    _reject(weights, ~np.isfinite(w) | (w < 0), "weights", "is negative or missing")
    return x, t_x, big_t, w


def _collapse(columns: tuple[np.ndarray, ...], weights: np.ndarray) -> tuple[np.ndarray, ...]:
    """The unique rows of ``columns`` with the summed weights of their duplicates: the
    likelihood only depends on these, and day-level data has few distinct ones."""
    import pandas as pd

    frame = pd.DataFrame({f"c{i}": c for i, c in enumerate(columns)})
    frame["w"] = weights
    grouped = frame.groupby([f"c{i}" for i in range(len(columns))], sort=False)["w"].sum()
    grouped = grouped[grouped > 0]
    keys = grouped.index.to_frame(index=False)
    return (*(keys[f"c{i}"].to_numpy(float) for i in range(len(columns))), grouped.to_numpy(float))


def _like(template: ArrayLike, values: np.ndarray) -> Any:
    """Return a pandas Series when the input was one (keeping its index), a float for scalar
    input, a numpy array otherwise."""
    values = np.asarray(values, dtype=float)
    index = _pandas_index(template)
    if index is not None and values.ndim == 1 and len(index) == len(values):
        import pandas as pd

        return pd.Series(values, index=index)
    if values.ndim == 0:
        return float(values)
    return values


def _pandas_index(values: Any) -> Any:
    """The index of a pandas Series (rows are named by it in errors and results), else None."""
    index = getattr(values, "index", None)
    return None if index is None or callable(index) else index
