"""Key drivers: how much of the outcome each rating explains, with bootstrap intervals.

Two methods that both split the model's R² among correlated drivers:

- :func:`relative_weights`: Johnson's (2000) relative weights, with the logistic variant of
  Tonidandel & LeBreton (2010) for a two-valued outcome such as ``churned``.
- :func:`shapley_drivers`: Shapley value regression, i.e. the general dominance weights of
  Budescu (1993) and Azen & Budescu (2003): each driver's increase of R² averaged over all
  2^k subsets of the other drivers.

How it runs. The linear methods need only the correlation matrix of outcome and drivers, and
a correlation matrix is a function of sums and cross-products. So the engine runs ONE grouped
aggregation: the rows are dealt into up to 1,000 pseudo-random blocks (a hash of the row
number) and each block returns its count, sums and cross-products. The totals give the
estimate; resampling whole blocks with replacement gives the bootstrap. With n <= 1,000 every
row is its own block (the ordinary row bootstrap); above that, block sums are i.i.d. sums of
random rows, so resampling them is the bootstrap of a smooth function of means (Efron &
Tibshirani 1993, §6) with 1,000 "observations" -- enough for a 95% percentile interval and
independent of n. The cost is one scan of the data, whatever n and the number of replicates.
On an engine that scans in parallel, rows can reach the row-number window in another order
from run to run, so an interval on more than 1,000 rows may move in its last digit between
runs; estimates never do.

Missing answers: ``na_values={0}`` turns codes such as the airline survey's 0 = "not
applicable" into missing; NaN in a DataFrame is missing too. ``missing="drop"`` (default)
keeps rows where the outcome and every driver are present; ``missing="pairwise"`` computes
each correlation from the rows where both of its variables are present (``n`` is then the
smallest such count). A pairwise matrix need not be positive semi-definite; directions with
eigenvalue <= 0 are dropped, which keeps weights >= 0 and their sum equal to the R² reported.

References: J. W. Johnson (2000), Multivariate Behavioral Research 35(1):1-19 (eqs. 1-8);
S. Tonidandel & J. M. LeBreton (2010), Organizational Research Methods 13(4):767-781;
D. V. Budescu (1993), Psychological Bulletin 114(3):542-551; R. Azen & D. V. Budescu (2003),
Psychological Methods 8(2):129-148; S. Menard (2004), The American Statistician 58(3):218-223.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import ibis
import numpy as np

from cxray.analytics.tables import as_table
from cxray.errors import InsufficientDataError, InvalidInputError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    TableLike = ibis.Table | pd.DataFrame | pa.Table

Missing = Literal["drop", "pairwise"]
# The methods a user may choose by name (CLI --method, API and page method=); the first is
# the default everywhere.
METHODS = ("shapley", "relative_weights")
_BLOCKS = 1000  # bootstrap blocks; see the module docstring
_MAX_SHAPLEY_DRIVERS = 15  # 2^15 subsets per replicate is still well under a second
_EIG_TOL = 1e-10  # eigenvalues below this share of the largest count as zero
_Y = "_cx_y"


def _x(i: int) -> str:
    return f"_cx_x{i}"


# --- results ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DriverWeight:
    """One driver's weight: its part of R² (``weight``, same unit as R²) and its ``share`` of
    R² in percent, each with a bootstrap percentile interval; ``rank`` 1 is the largest.
    ``correlation`` is the plain correlation with the outcome, whose sign says the direction
    the weights (always >= 0) do not."""

    driver: str
    weight: float
    low: float
    high: float
    share: float
    share_low: float
    share_high: float
    rank: int
    correlation: float


@dataclass(frozen=True, slots=True)
class DriverResult:
    """A key-driver analysis: weights sorted by rank, the model's R² with its interval, n.

    ``model`` is ``"linear"`` (OLS R²) or ``"logistic"`` (R² as the squared correlation of
    the outcome with the predicted probability, Menard's R²_O, which the logistic weights
    sum to exactly).
    """

    method: str
    outcome: str
    model: str
    r2: float
    r2_low: float
    r2_high: float
    n: int
    weights: tuple[DriverWeight, ...]
    n_boot: int
    missing: str
    confidence: float = 0.95

    @property
    def top(self) -> str:
        """The name of the driver ranked first."""
        return self.weights[0].driver

    def weight(self, driver: str) -> DriverWeight:
        for w in self.weights:
            if w.driver == driver:
                return w
        raise InvalidInputError(
            f"no driver {driver!r} in this result; it has {[w.driver for w in self.weights]}"
        )

    def as_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([asdict(w) for w in self.weights])

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "weights"}
        out["weights"] = [asdict(w) for w in self.weights]
        return out


# --- public functions ------------------------------------------------------------------------
def relative_weights(
    table_or_df: TableLike,
    outcome: str,
    drivers: Sequence[str],
    *,
    n_boot: int = 200,
    seed: int = 0,
    binary: bool | None = None,
    na_values: Collection[float] = (),
    missing: Missing = "drop",
    confidence: float = 0.95,
    max_rows: int = 200_000,
) -> DriverResult:
    """Johnson's (2000) relative weights of ``drivers`` for ``outcome``.

    Linear outcome (Johnson 2000, eqs. 1-8): with R_xx = V D V', Λ = R_xx^{1/2} = V D^{1/2} V'
    holds the loadings of the drivers on their closest orthonormal counterparts Z; the
    outcome's coefficients on Z are β = Λ^{-1} r_xy and driver j's raw weight is
    ε_j = Σ_k λ_jk² β_k². The ε_j sum to R² = r_xy' R_xx^{-1} r_xy.

    Two-valued outcome (auto-detected when ``binary`` is None; strings are mapped so that the
    alphabetically last value is 1 -- weights do not depend on which value is 1): Tonidandel
    & LeBreton (2010). The drivers are standardised and orthogonalised (Z = X_s Λ^{-1}), a
    logistic regression of the outcome on Z gives b, and the fully standardised coefficients
    are β_k = b_k · s(Z_k) · R / s(logit ŷ) (Menard 2004, eq. 5) with R the correlation of
    the outcome with the predicted probability. Then ε_j = Σ_k λ_jk² β_k² as above, and the
    ε_j sum exactly to R² = R_O² (because the Z are uncorrelated, var(logit ŷ) = Σ b_k² s_k²).
    The logistic fit needs the rows, so they are fetched (complete rows only: ``missing`` must
    be "drop"); above ``max_rows`` a seeded random sample of that size is used.

    The bootstrap (``n_boot`` replicates, percentile interval at ``confidence``) is described
    in the module docstring; for the logistic variant it resamples rows.
    """
    data = _prepare(table_or_df, outcome, drivers, na_values, missing, binary)
    if data.binary:
        if missing != "drop":
            raise InvalidInputError(
                "the logistic relative weights need complete rows; pass missing='drop', or "
                "binary=False for the linear-probability weights, which allow 'pairwise'"
            )
        return _logistic_relative_weights(data, n_boot, seed, confidence, max_rows)
    corr, n = _bootstrap_correlations(data, n_boot, seed)
    eps = _relative_weights_from_corr(corr)
    return _result("relative_weights", data, "linear", eps, n, n_boot, confidence, corr)


def shapley_drivers(
    table_or_df: TableLike,
    outcome: str,
    drivers: Sequence[str],
    *,
    n_boot: int = 200,
    seed: int = 0,
    na_values: Collection[float] = (),
    missing: Missing = "drop",
    confidence: float = 0.95,
) -> DriverResult:
    """Shapley value regression: general dominance weights (Azen & Budescu 2003, eq. 6).

    Driver j's weight is the average increase of R² from adding j to a subset S of the other
    drivers, averaged first within each subset size and then over sizes, i.e. the Shapley
    value Σ_S |S|!(k-|S|-1)!/k! [R²(S ∪ j) - R²(S)]. The weights sum exactly to the full
    model's R². R² of every subset comes from the correlation matrix, R²(S) =
    r_yS' R_SS^{-1} r_yS, visiting the 2^k subsets depth-first and growing R_SS^{-1} one
    driver at a time by the bordered (Schur complement) inverse, so each subset costs O(|S|²)
    and all bootstrap replicates go through together. A driver that is a linear combination
    of the subset adds nothing (its Schur complement is zero) and is skipped within it.

    A two-valued outcome is treated as 0/1 in a linear probability model: the logistic
    analogue would need 2^k logistic fits per replicate. Rank agreement with the logistic
    :func:`relative_weights` is usually close; compare both when it matters.
    """
    if len(drivers) > _MAX_SHAPLEY_DRIVERS:
        raise InvalidInputError(
            f"Shapley weights need 2^k subsets; {len(drivers)} drivers is more than "
            f"{_MAX_SHAPLEY_DRIVERS}; use relative_weights, or group related items first"
        )
    data = _prepare(table_or_df, outcome, drivers, na_values, missing, binary=None)
    corr, n = _bootstrap_correlations(data, n_boot, seed)
    r2_all = _all_subset_r2(corr)
    eps = _shapley_from_subsets(r2_all, len(data.names))
    return _result("shapley", data, "linear", eps, n, n_boot, confidence, corr)


def key_drivers(
    table_or_df: TableLike,
    outcome: str,
    drivers: Sequence[str],
    *,
    method: str = "shapley",
    n_boot: int = 200,
    seed: int = 0,
    na_values: Collection[float] = (),
    missing: Missing = "drop",
) -> DriverResult:
    """:func:`shapley_drivers` or :func:`relative_weights`, chosen by ``method`` (one of
    :data:`METHODS`), for the surfaces where the user picks the method by name.

    The two differ on a two-valued outcome: Shapley treats it as 0/1 in a linear
    probability model, relative weights fit the logistic model (``result.model`` says
    which). Relative weights also take more than 15 drivers, where Shapley refuses.
    """
    fits = {"shapley": shapley_drivers, "relative_weights": relative_weights}
    if method in fits:
        return fits[method](
            table_or_df,
            outcome,
            drivers,
            n_boot=n_boot,
            seed=seed,
            na_values=na_values,
            missing=missing,
        )
    raise InvalidInputError(f"method must be {' or '.join(METHODS)}, not {method!r}")


def driver_matrix(
    responses: TableLike,
    *,
    outcome: str | TableLike,
    outcome_column: str | None = None,
    by: str = "touchpoint_id",
    customer: str = "customer_id",
    score: str = "score",
    metric: str | None = None,
) -> pd.DataFrame:
    """One row per customer, one column per value of ``by`` (the mean score there), plus the
    outcome: the wide table :func:`relative_weights` and :func:`shapley_drivers` take.

    ``outcome`` is either a metric name found in the ``metric`` column of ``responses`` (the
    customer's mean score on it, e.g. relationship ``"nps"``; the column is named after it)
    or a table with ``customer`` and ``outcome_column`` (e.g. customers with ``churned``).
    ``metric`` restricts the driver rows to one metric; by default, with a metric outcome,
    every other row is a driver. Cells where a customer has no answer are NaN: use
    ``missing="pairwise"`` or pick touchpoints most customers pass through.

    One Ibis aggregation (mean per customer and ``by`` value, the outcome metric folded in as
    one more key) runs on the engine; the pivot of that small result happens in pandas.
    """
    t = as_table(responses)
    _require_columns(t, [by, customer, score], "responses")
    key, value, flag = "_cx_key", "_cx_mean", "_cx_is_outcome"
    is_metric_outcome = isinstance(outcome, str)
    if is_metric_outcome or metric is not None:
        _require_columns(t, ["metric"], "responses")
    keep = t[score].notnull()
    is_outcome = ibis.literal(False)
    if is_metric_outcome:
        is_outcome = t["metric"] == outcome
        driver_rows = t["metric"] != outcome if metric is None else t["metric"] == metric
        keep = keep & (is_outcome | driver_rows)
    elif metric is not None:
        keep = keep & (t["metric"] == metric)
    # The outcome's rows form their own group (flag true, no key): one aggregation serves both.
    agg = (
        t.filter(keep)
        .mutate(
            **{
                flag: is_outcome,
                key: ibis.ifelse(is_outcome, ibis.null("string"), t[by].cast("string")),
                "_cx_s": t[score].cast("float64"),
            }
        )
        .group_by([customer, flag, key])
        .aggregate(**{value: ibis._["_cx_s"].mean()})
    )
    long = agg.to_pandas()
    if is_metric_outcome:
        outcome_frame = long[long[flag]][[customer, value]].rename(columns={value: outcome})
        name = outcome
    else:
        if outcome_column is None:
            raise InvalidInputError(
                "outcome is a table: pass outcome_column=<its column with the outcome>, "
                "e.g. outcome_column='churned'"
            )
        o = as_table(outcome)
        _require_columns(o, [customer, outcome_column], "the outcome table")
        outcome_frame = o.select(customer, outcome_column).distinct(on=customer).to_pandas()
        name = outcome_column
    long = long[~long[flag] & long[key].notna()]
    wide = long.pivot(index=customer, columns=key, values=value)
    wide.columns.name = None
    wide = wide[sorted(wide.columns)].reset_index()
    merged = wide.merge(outcome_frame, on=customer, how="inner")
    merged = merged[merged[name].notna()]
    return merged.sort_values(customer, kind="stable").reset_index(drop=True)


# --- preparation -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Prepared:
    table: ibis.Table  # _cx_y (0/1 when binary) and _cx_x0.. as float64, usable rows only
    names: list[str]
    outcome: str
    binary: bool
    missing: str
    n: int
    shifts: list[float]  # per column, subtracted before cross-products (numerical stability)


def _prepare(
    table: Any,
    outcome: str,
    drivers: Sequence[str],
    na_values: Collection[float],
    missing: str,
    binary: bool | None,
) -> _Prepared:
    if missing not in ("drop", "pairwise"):
        raise InvalidInputError(f"missing={missing!r}; use 'drop' or 'pairwise'")
    names = list(drivers)
    if not names:
        raise InvalidInputError("no drivers given; pass the columns with the ratings")
    if len(set(names)) != len(names) or outcome in names:
        raise InvalidInputError(
            "each driver must be named once and differ from the outcome; check the list"
        )
    t = as_table(table)
    _require_columns(t, [outcome, *names], "the table")
    wrapped = not isinstance(table, ibis.Table)
    na = sorted(float(v) for v in na_values)
    cols: dict[str, ibis.Value] = {}
    for i, d in enumerate(names):
        c = t[d]
        if not (c.type().is_numeric() or c.type().is_boolean()):
            raise InvalidInputError(
                f"driver {d!r} is {c.type()}, not numbers; drivers are ratings or 0/1 "
                "flags (turn text themes into 0/1 columns first)"
            )
        cols[_x(i)] = _clean(c.cast("float64"), wrapped, na)
    y = t[outcome]
    ytype = y.type()
    if not (ytype.is_numeric() or ytype.is_boolean() or ytype.is_string()):
        raise InvalidInputError(
            f"outcome {outcome!r} is {ytype}; expected numbers, true/false "
            "or a two-valued text column"
        )
    if ytype.is_numeric():
        y = _clean(y.cast("float64"), wrapped, [])
    cols[_Y] = y
    base = t.select(**cols)
    base = base.filter(base[_Y].notnull())
    if missing == "drop":
        for i in range(len(names)):
            base = base.filter(base[_x(i)].notnull())
    measures: dict[str, ibis.Value] = {
        "n": base.count(),
        "y_distinct": base[_Y].nunique(),
        "y_min": base[_Y].min(),
        "y_max": base[_Y].max(),
        **{f"m{i}": base[_x(i)].mean() for i in range(len(names))},
    }
    if ytype.is_numeric():
        measures["y_mean"] = base[_Y].mean()
    summary = base.aggregate(**measures).to_pyarrow().to_pylist()[0]
    n, distinct = int(summary["n"] or 0), int(summary["y_distinct"] or 0)
    if distinct < 2:
        raise InsufficientDataError(
            f"outcome {outcome!r} takes {distinct} value(s) on the usable rows; "
            "there is nothing to explain (check the filter and the missing-value codes)"
        )
    if binary and distinct != 2:
        raise InvalidInputError(
            f"binary=True but outcome {outcome!r} takes {distinct} values; pass binary=False"
        )
    if distinct != 2 and not ytype.is_numeric():
        raise InvalidInputError(
            f"outcome {outcome!r} is {ytype} with {distinct} values; a text outcome must have "
            "exactly two values (e.g. satisfied / not satisfied)"
        )
    if n < len(names) + 3:
        raise InsufficientDataError(
            f"{n} usable rows for {len(names)} drivers; need at least {len(names) + 3} "
            "(better hundreds); drop drivers or use missing='pairwise'"
        )
    if distinct == 2:
        # Two values become 0/1. Weights and R² are the same whichever value is 1 (y -> 1 - y
        # flips every sign), so the alphabetically (or numerically) last value is taken.
        base = base.mutate(**{_Y: (base[_Y] == summary["y_max"]).cast("float64")})
        y_shift = 0.0
    else:
        y_shift = float(summary["y_mean"])
    shifts = [y_shift] + [float(summary[f"m{i}"] or 0.0) for i in range(len(names))]
    binary = distinct == 2 if binary is None else binary
    return _Prepared(base, names, outcome, bool(binary), missing, n, shifts)


def _clean(c: ibis.Value, wrapped: bool, na: list[float]) -> ibis.Value:
    if wrapped:  # pandas NaN means "no answer"; only wrapped DataFrames can hold it
        c = ibis.ifelse(c.isnan(), ibis.null("float64"), c)
    if na:
        c = ibis.ifelse(c.isin(na), ibis.null("float64"), c)
    return c


# --- sufficient statistics and the block bootstrap --------------------------------------------
def _bootstrap_correlations(data: _Prepared, n_boot: int, seed: int) -> tuple[np.ndarray, int]:
    """Correlation matrices (outcome first): index 0 the full sample, then ``n_boot``
    bootstrap replicates; and the n behind the estimate."""
    if n_boot < 0:
        raise InvalidInputError("n_boot must be >= 0 (0 gives no intervals)")
    p = len(data.names) + 1
    names = [_Y, *(_x(i) for i in range(p - 1))]
    # Rows numbered in the order of their values, not the engine's scan order, so the same
    # seed gives the same replicates on every engine and every run (rows with equal values
    # contribute equally, so their order among themselves does not matter).
    number = ibis.row_number().over(order_by=[data.table[c] for c in names])
    if data.n <= _BLOCKS:
        block = number
    else:  # a hash scatters neighbouring (sorted) rows over the blocks
        h = (number + seed).hash()
        block = (h % _BLOCKS + _BLOCKS) % _BLOCKS
    t = data.table.mutate(_cx_block=block)
    v = [t[c] - data.shifts[j] for j, c in enumerate(names)]
    measures: dict[str, ibis.Value] = {}
    if data.missing == "drop":
        measures["n"] = t.count()
        for i in range(p):
            measures[f"s{i}"] = v[i].sum()
            for j in range(i, p):
                measures[f"c{i}_{j}"] = (v[i] * v[j]).sum()
    else:
        m = [c.notnull().cast("float64") for c in v]
        z = [c.fill_null(0.0) for c in v]
        for i in range(p):
            for j in range(p):
                if j >= i:
                    measures[f"n{i}_{j}"] = (m[i] * m[j]).sum()
                    measures[f"c{i}_{j}"] = (z[i] * z[j]).sum()
                measures[f"s{i}_{j}"] = (z[i] * m[j]).sum()
                measures[f"q{i}_{j}"] = (z[i] * z[i] * m[j]).sum()
    # Ordered by block id: the multinomial draws below address blocks by position.
    blocks = t.group_by("_cx_block").aggregate(**measures).order_by("_cx_block")
    arrow = blocks.to_pyarrow()
    keys = list(measures)
    stats = np.column_stack([arrow[k].to_numpy(zero_copy_only=False) for k in keys])
    stats = np.nan_to_num(stats.astype("float64"))  # an all-null block sums to null
    total = stats.sum(axis=0, keepdims=True)
    if n_boot:
        rng = np.random.default_rng(seed)
        nb = stats.shape[0]
        counts = rng.multinomial(nb, np.full(nb, 1.0 / nb), size=n_boot).astype("float64")
        total = np.vstack([total, counts @ stats])
    col = {k: total[:, i] for i, k in enumerate(keys)}
    corr, n = _corr_from_sums(col, p, data.missing)
    bad = [data.names[j - 1] for j in range(1, p) if not np.isfinite(corr[0, j, j])]
    if not np.isfinite(corr[0, 0, 0]):
        raise InsufficientDataError(f"outcome {data.outcome!r} has no variation on the rows used")
    if bad:
        raise InsufficientDataError(
            f"driver(s) {bad} have no variation (every answer alike) on the rows used; "
            "leave them out"
        )
    return corr, n


def _corr_from_sums(col: dict[str, np.ndarray], p: int, missing: str) -> tuple[np.ndarray, int]:
    b = next(iter(col.values())).shape[0]
    corr = np.empty((b, p, p))
    with np.errstate(invalid="ignore", divide="ignore"):
        if missing == "drop":
            n = col["n"]
            mean = np.column_stack([col[f"s{i}"] for i in range(p)]) / n[:, None]
            for i in range(p):
                for j in range(i, p):
                    cov = col[f"c{i}_{j}"] / n - mean[:, i] * mean[:, j]
                    corr[:, i, j] = corr[:, j, i] = cov
            sd = np.sqrt(np.clip(np.diagonal(corr, axis1=1, axis2=2), 0.0, None))
            corr = corr / (sd[:, :, None] * sd[:, None, :])
            n_used = int(n[0])
        else:
            n_min = math.inf
            for i in range(p):
                for j in range(i, p):
                    nij = col[f"n{i}_{j}"]
                    mi, mj = col[f"s{i}_{j}"] / nij, col[f"s{j}_{i}"] / nij
                    vi = col[f"q{i}_{j}"] / nij - mi * mi
                    vj = col[f"q{j}_{i}"] / nij - mj * mj
                    cov = col[f"c{i}_{j}"] / nij - mi * mj
                    corr[:, i, j] = corr[:, j, i] = cov / np.sqrt(vi * vj)
                    n_min = min(n_min, nij[0])
            n_used = int(n_min)
    idx = np.arange(p)
    corr[:, idx, idx] = np.where(np.isfinite(corr[:, idx, idx]), 1.0, np.nan)
    return corr, n_used


# --- the two methods on correlation matrices (batched over replicates) ------------------------
def _sqrt_and_pinv_sqrt(rxx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R^{1/2} and its (pseudo-)inverse, batched; eigenvalues <= tolerance count as zero."""
    lam, vec = np.linalg.eigh(rxx)
    keep = lam > _EIG_TOL * lam.max(axis=-1, keepdims=True)
    root = np.where(keep, np.sqrt(np.where(keep, lam, 1.0)), 0.0)
    inv_root = np.where(keep, 1.0 / root.clip(min=1e-300), 0.0)
    vt = np.swapaxes(vec, -1, -2)
    return (vec * root[..., None, :]) @ vt, (vec * inv_root[..., None, :]) @ vt


def _relative_weights_from_corr(corr: np.ndarray) -> np.ndarray:
    good = np.isfinite(corr).all(axis=(1, 2))
    eps = np.full((corr.shape[0], corr.shape[1] - 1), np.nan)
    c = corr[good]
    lam_root, lam_inv = _sqrt_and_pinv_sqrt(c[:, 1:, 1:])
    beta = (lam_inv @ c[:, 1:, :1])[..., 0]  # Johnson (2000), eq. 5: β = Λ^{-1} r_xy
    eps[good] = (lam_root**2 @ (beta**2)[..., None])[..., 0]  # eq. 8: ε_j = Σ_k λ_jk² β_k²
    return eps


def _all_subset_r2(corr: np.ndarray) -> np.ndarray:
    """R² of every subset of drivers, shape (2^k, replicates); bit j of the row = driver j.

    Breadth-first by subset size: every subset S of one size, with R_SS^{-1} for every
    replicate, is grown by each driver j above its largest member through the bordered
    inverse (Schur complement s = 1 - r_jS R_SS^{-1} r_Sj), and R²(S + j) = R²(S) +
    (r_jy - r_jS R_SS^{-1} r_Sy)² / s. Whole levels go through numpy at once; replicates
    are taken in chunks so that the largest level stays within a few hundred MB.
    """
    corr = np.nan_to_num(corr)
    b, k = corr.shape[0], corr.shape[1] - 1
    r2 = np.zeros((1 << k, b))
    half = k // 2 + 1
    step = max(1, 12_000_000 // (math.comb(k, k // 2) * half * half))
    for lo in range(0, b, step):
        r2[:, lo : lo + step] = _subset_r2_chunk(corr[lo : lo + step])
    return r2


def _subset_r2_chunk(corr: np.ndarray) -> np.ndarray:
    b, k = corr.shape[0], corr.shape[1] - 1
    rxx, r = corr[:, 1:, 1:], corr[:, 1:, 0]
    r2 = np.zeros((1 << k, b))
    # One level: masks (m,), members (m, s), inverses (m, b, s, s), R² (m, b).
    masks = np.zeros(1, dtype=np.int64)
    members = np.zeros((1, 0), dtype=np.int64)
    inv = np.zeros((1, b, 0, 0))
    level_r2 = np.zeros((1, b))
    while len(masks):
        s = members.shape[1]
        start = members[:, -1] + 1 if s else np.zeros(len(masks), dtype=np.int64)
        parent = np.repeat(np.arange(len(masks)), k - start)
        j = np.concatenate([np.arange(a, k) for a in start])
        cols = np.moveaxis(rxx[:, members[parent], j[:, None]], 0, 1)  # (c, b, s): R_Sj
        u = (inv[parent] @ cols[..., None])[..., 0]  # R_SS^- R_Sj
        schur = rxx[:, j, j].T - (cols * u).sum(axis=-1)
        r_s = np.moveaxis(r[:, members[parent]], 0, 1)  # (c, b, s)
        gain = r[:, j].T - (u * r_s).sum(axis=-1)
        ok = schur > _EIG_TOL  # else j is a linear combination of S and adds nothing
        inv_schur = np.where(ok, 1.0 / np.where(ok, schur, 1.0), 0.0)
        child_r2 = level_r2[parent] + gain * gain * inv_schur
        child_masks = masks[parent] | (np.int64(1) << j)
        r2[child_masks] = child_r2
        grows = j < k - 1  # a subset holding driver k-1 has no larger driver to add
        u, ic, par = u[grows], inv_schur[grows][..., None], parent[grows]
        grown = np.empty((len(par), b, s + 1, s + 1))
        grown[..., :s, :s] = inv[par] + u[..., :, None] * u[..., None, :] * ic[..., None]
        grown[..., :s, s] = grown[..., s, :s] = -u * ic
        grown[..., s, s] = ic[..., 0]
        masks, inv, level_r2 = child_masks[grows], grown, child_r2[grows]
        members = np.column_stack([members[par], j[grows]])
    return r2


def _shapley_from_subsets(r2: np.ndarray, k: int) -> np.ndarray:
    masks = np.arange(1 << k)
    size = np.bitwise_count(masks)
    # Shapley weight of a subset of size s not containing j: s!(k-s-1)!/k! = 1/(k·C(k-1, s)).
    by_size = np.array([1.0 / (k * math.comb(k - 1, s)) for s in range(k)])
    eps = np.empty((r2.shape[1], k))
    for j in range(k):
        without = masks[(masks >> j) & 1 == 0]
        eps[:, j] = by_size[size[without]] @ (r2[without | (1 << j)] - r2[without])
    return eps


# --- logistic relative weights (rows needed) ---------------------------------------------------
def _logistic_relative_weights(
    data: _Prepared, n_boot: int, seed: int, confidence: float, max_rows: int
) -> DriverResult:
    t = data.table
    if data.n > max_rows:
        t = t.sample(max_rows / data.n, seed=seed)
    arrow = t.to_pyarrow()
    y = arrow[_Y].to_numpy(zero_copy_only=False).astype("float64")
    x = np.column_stack(
        [arrow[_x(i)].to_numpy(zero_copy_only=False) for i in range(len(data.names))]
    ).astype("float64")
    n, k = x.shape
    mu0, sd0 = x.mean(axis=0), x.std(axis=0)
    if not (sd0 > 0).all():
        flat = [d for d, s in zip(data.names, sd0, strict=True) if not s > 0]
        raise InsufficientDataError(f"driver(s) {flat} have no variation; leave them out")
    # Logistic regression is equivariant under linear maps of the predictors: fit once per
    # replicate on the fixed design [1, x standardised by the full sample] and carry the
    # coefficients over to that replicate's orthogonal Z (see _logistic_weights). That makes
    # the design matrix shared, so all replicates go through Newton's method together.
    design = np.column_stack([np.ones(n), (x - mu0) / sd0])
    upper = np.triu_indices(k + 1)
    products = design[:, upper[0]] * design[:, upper[1]]
    rng = np.random.default_rng(seed)
    full = np.ones((1, n))
    start = _logistic_fit_batched(y, design, products, upper, full, np.zeros((1, k + 1)))
    eps = np.full((n_boot + 1, k), np.nan)
    eps[0] = _logistic_weights(y, design, products, upper, full, start)[0]
    chunk = max(1, 4_000_000 // n)  # replicates at a time: keeps the (chunk, n) arrays small
    for first in range(1, n_boot + 1, chunk):
        size = min(chunk, n_boot + 1 - first)
        w = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(size)])
        w = w.astype("float64")
        coef = _logistic_fit_batched(y, design, products, upper, w, np.repeat(start, size, 0))
        eps[first : first + size] = _logistic_weights(y, design, products, upper, w, coef)
    corr = np.corrcoef(np.column_stack([y, x]), rowvar=False)[None]
    return _result("relative_weights", data, "logistic", eps, n, n_boot, confidence, corr)


def _logistic_fit_batched(
    y: np.ndarray,
    design: np.ndarray,
    products: np.ndarray,
    upper: tuple[np.ndarray, np.ndarray],
    w: np.ndarray,
    coef: np.ndarray,
) -> np.ndarray:
    """Newton-Raphson for one logistic regression per row of the frequency weights ``w``
    (replicates x rows); a tiny ridge keeps separated or rank-deficient fits finite."""
    p = design.shape[1]
    ridge = 1e-8 * w.sum(axis=1)[:, None, None] * np.eye(p)
    for _ in range(50):
        prob = 1.0 / (1.0 + np.exp(-(coef @ design.T)))
        flat = (w * prob * (1.0 - prob)) @ products
        hess = np.empty((w.shape[0], p, p))
        hess[:, upper[0], upper[1]] = flat
        hess[:, upper[1], upper[0]] = flat
        hess += ridge
        grad = (w * (y - prob)) @ design - (ridge @ coef[..., None])[..., 0]
        step = np.linalg.solve(hess, grad[..., None])[..., 0]
        coef = coef + step
        if np.abs(step).max() < 1e-9:
            break
    return coef


def _logistic_weights(
    y: np.ndarray,
    design: np.ndarray,
    products: np.ndarray,
    upper: tuple[np.ndarray, np.ndarray],
    w: np.ndarray,
    coef: np.ndarray,
) -> np.ndarray:
    """Tonidandel & LeBreton (2010) weights per replicate from its fitted coefficients."""
    b, p = w.shape[0], design.shape[1]
    total = w.sum(axis=1)
    moments = np.empty((b, p, p))
    flat = w @ products / total[:, None]
    moments[:, upper[0], upper[1]] = flat
    moments[:, upper[1], upper[0]] = flat
    mean = moments[:, 0, 1:]
    cov = moments[:, 1:, 1:] - mean[:, :, None] * mean[:, None, :]
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    lam_root, _ = _sqrt_and_pinv_sqrt(cov / (sd[:, :, None] * sd[:, None, :]))
    # η = c_0 + x_s c = const + Z Λ (sd ∘ c): the coefficients on this replicate's Z.
    b_z = (lam_root @ (sd * coef[:, 1:])[..., None])[..., 0]
    eta = coef @ design.T
    prob = 1.0 / (1.0 + np.exp(-eta))

    def wmean(v: np.ndarray) -> np.ndarray:
        return (w * v).sum(axis=1) / total

    eta_c = eta - wmean(eta)[:, None]
    prob_c = prob - wmean(prob)[:, None]
    y_c = y[None, :] - wmean(np.broadcast_to(y, w.shape))[:, None]
    var_eta, var_prob, var_y = wmean(eta_c**2), wmean(prob_c**2), wmean(y_c**2)
    r_o = wmean(y_c * prob_c) / np.sqrt(var_prob * var_y)  # Menard's R_O
    beta = b_z * (r_o / np.sqrt(var_eta))[:, None]  # Menard (2004), eq. 5, s(Z_k) = 1
    return (lam_root**2 @ (beta**2)[..., None])[..., 0]


# --- assembling the result ----------------------------------------------------------------------
def _result(
    method: str,
    data: _Prepared,
    model: str,
    eps: np.ndarray,
    n: int,
    n_boot: int,
    confidence: float,
    corr: np.ndarray,
) -> DriverResult:
    tail = 100 * (1 - confidence) / 2
    r2 = eps.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = 100.0 * eps / r2[:, None]

    def interval(v: np.ndarray) -> tuple[float, float]:
        boot = v[1:][np.isfinite(v[1:])]
        if boot.size == 0:
            return (math.nan, math.nan)
        lo, hi = np.percentile(boot, [tail, 100 - tail])
        return (float(lo), float(hi))

    order = np.argsort(-eps[0], kind="stable")
    rows = []
    for rank, j in enumerate(order, start=1):
        lo, hi = interval(eps[:, j])
        s_lo, s_hi = interval(shares[:, j])
        rows.append(
            DriverWeight(
                driver=data.names[j],
                weight=float(eps[0, j]),
                low=lo,
                high=hi,
                share=float(shares[0, j]),
                share_low=s_lo,
                share_high=s_hi,
                rank=rank,
                correlation=float(corr[0, j + 1, 0]),
            )
        )
    r2_lo, r2_hi = interval(r2)
    return DriverResult(
        method=method,
        outcome=data.outcome,
        model=model,
        r2=float(r2[0]),
        r2_low=r2_lo,
        r2_high=r2_hi,
        n=n,
        weights=tuple(rows),
        n_boot=n_boot,
        missing=data.missing,
        confidence=confidence,
    )


# --- helpers -------------------------------------------------------------------------------------


def _require_columns(t: ibis.Table, needed: Sequence[str], what: str) -> None:
    missing = [c for c in needed if c not in t.columns]
    if missing:
        raise InvalidInputError(
            f"{what} has no column(s) {missing}; it has {sorted(t.columns)}; "
            "pass the names of the columns to use"
        )
