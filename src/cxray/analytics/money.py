"""Money: what loyalty is worth, what low scores put at risk, what a change earned.

Every function takes Ibis tables or DataFrames, runs its joins and aggregations on the engine
and does the arithmetic on the few rows that come back. Customers are identified by
``customer`` (``customer_id`` by default) in every table.

Loyalty groups by the customer's LATEST score (Reichheld 2003 for NPS; top-2 / bottom-2 box
for CSAT; CES 2.0 on 1-7 for effort):

=======  =====================  ===================  ==========================
metric   top                    middle               bottom
=======  =====================  ===================  ==========================
nps      promoter (9-10)        passive (7-8)        detractor (0-6)
csat     satisfied (4-5)        neutral (3)          dissatisfied (1-2)
ces      low effort (5-7)       neutral (4)          high effort (1-3)
=======  =====================  ===================  ==========================
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
from scipy import stats

from cxray.analytics.tables import as_table
from cxray.errors import InsufficientDataError, InvalidInputError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    TableLike = ibis.Table | pd.DataFrame | pa.Table

Window = tuple[date | datetime | str, date | datetime | str]

# metric -> (top from, bottom up to, (top, middle, bottom) labels)
_GROUPS: dict[str, tuple[float, float, tuple[str, str, str]]] = {
    "nps": (9, 6, ("promoter", "passive", "detractor")),
    "csat": (4, 2, ("satisfied", "neutral", "dissatisfied")),
    "ces": (5, 3, ("low effort", "neutral", "high effort")),
}
_VAR_BLOCKS = 200  # bootstrap blocks of customers for value_at_risk


# --- results ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MoneyDifference:
    """Mean value of the top group minus that of the bottom group (Welch interval)."""

    value: str  # "revenue" or "clv"
    difference: float
    low: float
    high: float
    std_error: float
    df: float
    mean_top: float
    mean_bottom: float
    n_top: int
    n_bottom: int
    top: str
    bottom: str
    confidence: float = 0.95

    @property
    def n(self) -> int:
        return self.n_top + self.n_bottom

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DidResult:
    """A difference in differences: (treated after - before) - (control after - before).

    ``std_error`` is clustered by unit (see :func:`did_effect`); ``money*`` are the effect
    and its interval times ``value_per_point`` (NaN when none was given).
    """

    effect: float
    low: float
    high: float
    std_error: float
    df: float
    p_value: float
    n_treated: int
    n_control: int
    treated_before: float
    treated_after: float
    control_before: float
    control_after: float
    value_per_point: float = math.nan
    money: float = math.nan
    money_low: float = math.nan
    money_high: float = math.nan
    confidence: float = 0.95

    @property
    def n(self) -> int:
        return self.n_treated + self.n_control

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }


# --- revenue and CLV by loyalty group ----------------------------------------------------------
def value_by_loyalty(
    responses: TableLike,
    transactions: TableLike | None = None,
    *,
    metric: str = "nps",
    window: Window | None = None,
    clv: TableLike | None = None,
    customer: str = "customer_id",
    score: str = "score",
    at: str = "at",
    amount: str = "amount",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per loyalty group (top, middle, bottom): ``customers``, ``revenue_per_customer`` with
    a Student t interval (``low``, ``high``, ``std_error``) and ``total_revenue``.

    Each customer counts once, in the group of their latest score (latest before the end of
    ``window`` when one is given). Revenue is the sum of ``amount`` over ``window`` =
    (start, end), start included, end excluded (all time when None); a scored customer
    without transactions has revenue 0. Revenue is skewed; the t interval rests on the
    central limit theorem, fine for the hundreds of customers a group usually has.
    With ``clv`` (a table of ``customer`` and ``clv``) also ``mean_clv``, ``clv_low``,
    ``clv_high`` and ``clv_n`` (customers with a CLV).
    """
    if transactions is None and clv is None:
        raise InvalidInputError("pass transactions, clv or both: there is no value to report")
    groups = _group_stats(
        responses,
        transactions,
        clv,
        metric=metric,
        window=window,
        customer=customer,
        score=score,
        at=at,
        amount=amount,
    )
    import pandas as pd

    rows = []
    for label in _spec(metric)[2]:
        g = groups.get(label, {})
        row: dict[str, Any] = {"group": label, "customers": int(g.get("n", 0) or 0)}
        if transactions is not None:
            mean, lo, hi, se = _t_interval(
                g.get("n"), g.get("rev_mean"), g.get("rev_var"), confidence
            )
            row |= {
                "revenue_per_customer": mean,
                "low": lo,
                "high": hi,
                "std_error": se,
                "total_revenue": float(g.get("rev_sum") or 0.0),
            }
        if clv is not None:
            mean, lo, hi, _ = _t_interval(
                g.get("clv_n"), g.get("clv_mean"), g.get("clv_var"), confidence
            )
            row |= {
                "mean_clv": mean,
                "clv_low": lo,
                "clv_high": hi,
                "clv_n": int(g.get("clv_n", 0) or 0),
            }
        rows.append(row)
    return pd.DataFrame(rows)


def cost_of_dissatisfied_customer(
    responses: TableLike,
    transactions: TableLike | None = None,
    *,
    clv: TableLike | None = None,
    metric: str = "nps",
    window: Window | None = None,
    customer: str = "customer_id",
    score: str = "score",
    at: str = "at",
    amount: str = "amount",
    confidence: float = 0.95,
) -> MoneyDifference:
    """How much more a satisfied customer is worth than a dissatisfied one: mean revenue
    (or mean CLV when ``clv`` is given and ``transactions`` is not) of the top group minus
    the bottom group (promoters - detractors for NPS), grouped as in
    :func:`value_by_loyalty`, with Welch's interval and Welch-Satterthwaite degrees of freedom
    (Welch 1947, Biometrika 34:28-35). Association, not effect: promoters may spend more for
    reasons that also make them promoters; use :func:`did_effect` for a change's effect.
    """
    if transactions is None and clv is None:
        raise InvalidInputError("pass transactions or clv: there is no value to compare")
    use = "revenue" if transactions is not None else "clv"
    groups = _group_stats(
        responses,
        transactions,
        clv if use == "clv" else None,
        metric=metric,
        window=window,
        customer=customer,
        score=score,
        at=at,
        amount=amount,
    )
    top, _, bottom = _spec(metric)[2]
    prefix = "rev" if use == "revenue" else "clv"
    count = "n" if use == "revenue" else "clv_n"
    a, b = groups.get(top, {}), groups.get(bottom, {})
    n_a, n_b = int(a.get(count) or 0), int(b.get(count) or 0)
    if n_a < 2 or n_b < 2:
        raise InsufficientDataError(
            f"need at least 2 customers in each of {top!r} ({n_a}) and {bottom!r} ({n_b}) "
            "with a value; widen the window or wait for more answers"
        )
    mean_a, mean_b = float(a[f"{prefix}_mean"]), float(b[f"{prefix}_mean"])
    va, vb = float(a[f"{prefix}_var"]) / n_a, float(b[f"{prefix}_var"]) / n_b
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1)) if se > 0 else math.inf
    crit = float(stats.t.ppf(1 - (1 - confidence) / 2, df))
    diff = mean_a - mean_b
    return MoneyDifference(
        use,
        diff,
        diff - crit * se,
        diff + crit * se,
        se,
        df,
        mean_a,
        mean_b,
        n_a,
        n_b,
        top,
        bottom,
        confidence,
    )


# --- value at risk -----------------------------------------------------------------------------
def value_at_risk(
    responses: TableLike,
    customers: TableLike,
    clv: TableLike,
    churn_probability: TableLike | float,
    *,
    by: str = "touchpoint_id",
    low_score_threshold: float | None = None,
    metric: str = "nps",
    customer: str = "customer_id",
    score: str = "score",
    at: str = "at",
    clv_column: str = "clv",
    p_column: str = "p",
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Expected value lost through customers whose latest score is low, per group of ``by``:
    Σ P(churn) × CLV over those customers, sorted from the largest.

    ``by`` is a responses column (e.g. ``touchpoint_id``: the latest score AT that
    touchpoint counts) or a customers column (e.g. ``segment``: the latest score overall).
    Low means ``score <= low_score_threshold`` (default: detractors 0-6 for NPS, 1-2 for
    CSAT, 1-3 for CES). Customers already marked ``churned`` in ``customers`` are not at risk
    and are left out; so are customers without a CLV or a churn probability (counted in
    ``n_unpriced``). ``churn_probability`` is a table (``customer``, ``p_column``) or one
    probability for everyone.

    Columns: ``by``, ``value_at_risk``, ``low``, ``high`` (bootstrap percentile interval over
    customers: the customers are dealt by a hash of their id into up to 200 blocks per group,
    whose sums are resampled -- the plain customer bootstrap for groups of up to ~200),
    ``n`` (customers at risk with a value), ``n_unpriced``, ``clv_at_risk`` (Σ CLV) and
    ``mean_p``.
    """
    per_block = _value_at_risk_blocks(
        responses,
        customers,
        clv,
        churn_probability,
        by=by,
        low_score_threshold=low_score_threshold,
        metric=metric,
        customer=customer,
        score=score,
        at=at,
        clv_column=clv_column,
        p_column=p_column,
    ).to_pandas()
    return _value_at_risk_frame(per_block, by=by, n_boot=n_boot, seed=seed, confidence=confidence)


def _value_at_risk_blocks(
    responses: TableLike,
    customers: TableLike,
    clv: TableLike,
    churn_probability: TableLike | float,
    *,
    by: str,
    low_score_threshold: float | None,
    metric: str,
    customer: str,
    score: str,
    at: str,
    clv_column: str,
    p_column: str,
) -> ibis.Table:
    """The query half of :func:`value_at_risk`: sums per group of ``by`` and bootstrap block.
    Kept apart so that a caller can compile it once and run it again on new data."""
    bottom_to = _spec(metric)[1]
    threshold = bottom_to if low_score_threshold is None else float(low_score_threshold)
    r = _scored(responses, metric=metric, customer=customer, score=score, at=at)
    c = as_table(customers)
    _require(c, [customer], "customers")
    if by in r.columns and by != customer:
        latest = r.group_by([customer, by]).aggregate(_cx_latest=r["_cx_score"].argmax(r[at]))
        key_table = latest
    elif by in c.columns:
        latest = r.group_by(customer).aggregate(_cx_latest=r["_cx_score"].argmax(r[at]))
        key_table = latest.join(c.select(customer, by).distinct(on=customer), customer)
    else:
        raise InvalidInputError(
            f"cannot group by {by!r}: it is neither a responses column nor a customers column"
        )
    low = key_table.filter(key_table["_cx_latest"] <= threshold)
    if "churned" in c.columns:
        gone = c.filter(c["churned"].cast("boolean").fill_null(False)).select(customer)
        low = low.anti_join(gone, customer)
    v = as_table(clv)
    _require(v, [customer, clv_column], "the clv table")
    low = low.left_join(v.select(customer, _cx_clv=v[clv_column].cast("float64")), customer)
    low = low.drop(f"{customer}_right") if f"{customer}_right" in low.columns else low
    if isinstance(churn_probability, int | float):
        if not 0 <= churn_probability <= 1:
            raise InvalidInputError(f"churn_probability={churn_probability} is not in [0, 1]")
        low = low.mutate(_cx_p=ibis.literal(float(churn_probability)))
    else:
        pt = as_table(churn_probability)
        _require(pt, [customer, p_column], "the churn probability table")
        low = low.left_join(pt.select(customer, _cx_p=pt[p_column].cast("float64")), customer)
        low = low.drop(f"{customer}_right") if f"{customer}_right" in low.columns else low
    priced = low["_cx_clv"].notnull() & low["_cx_p"].notnull()
    block = (low[customer].cast("string").hash() % _VAR_BLOCKS + _VAR_BLOCKS) % _VAR_BLOCKS
    low = low.mutate(_cx_v=low["_cx_p"] * low["_cx_clv"], _cx_priced=priced, _cx_block=block)
    return low.group_by([by, "_cx_block"]).aggregate(
        v=low["_cx_v"].sum(where=low["_cx_priced"]),
        n=low["_cx_priced"].cast("int64").sum(),
        unpriced=(~low["_cx_priced"]).cast("int64").sum(),
        clv=low["_cx_clv"].sum(where=low["_cx_priced"]),
        p=low["_cx_p"].sum(where=low["_cx_priced"]),
    )


def _value_at_risk_frame(
    per_block: pd.DataFrame, *, by: str, n_boot: int, seed: int, confidence: float
) -> pd.DataFrame:
    """The arithmetic half of :func:`value_at_risk`, on the rows of its query."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    tail = 100 * (1 - confidence) / 2
    rows = []
    for key, g in per_block.groupby(by, sort=False, dropna=False):
        sums = g["v"].fillna(0.0).to_numpy(dtype="float64")
        n = int(g["n"].sum())
        total = float(sums.sum())
        if n_boot and len(sums) > 1:
            counts = rng.multinomial(len(sums), np.full(len(sums), 1 / len(sums)), n_boot)
            lo, hi = np.percentile(counts @ sums, [tail, 100 - tail])
        else:
            lo = hi = math.nan
        rows.append(
            {
                by: key,
                "value_at_risk": total,
                "low": float(lo),
                "high": float(hi),
                "n": n,
                "n_unpriced": int(g["unpriced"].sum()),
                "clv_at_risk": float(g["clv"].fillna(0.0).sum()),
                "mean_p": float(g["p"].fillna(0.0).sum()) / n if n else math.nan,
            }
        )
    columns = [by, "value_at_risk", "low", "high", "n", "n_unpriced", "clv_at_risk", "mean_p"]
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values("value_at_risk", ascending=False, kind="stable").reset_index(drop=True)


# --- difference in differences -----------------------------------------------------------------
def did_effect(
    panel: TableLike,
    *,
    unit: str,
    period: str,
    treated: str,
    outcome: str,
    pre: Any,
    post: Any,
    value_per_point: float | None = None,
    confidence: float = 0.95,
) -> DidResult:
    """Difference in differences of ``outcome`` between treated and control units, from the
    ``pre`` periods to the ``post`` periods (each one value or a list of ``period`` values).

    Estimator: each unit's panel is collapsed to its mean outcome before and after, giving
    one change per unit; the effect is the mean change of treated units minus that of
    control units (Card & Krueger 1994, AER 84(4):772-793, Table 3). This equals the
    treated × after coefficient of the two-way fixed-effects regression on the collapsed
    panel, and the standard error sqrt(s_T²/n_T + s_C²/n_C) of the two means of changes is
    the unit-clustered standard error: collapsing to before/after is the remedy for serially
    correlated outcomes that Bertrand, Duflo & Mullainathan (2004, QJE 119(1):249-275, §IV.C)
    found to keep tests at their nominal size. The interval uses Student t with Welch
    degrees of freedom. Units seen only before or only after are left out; ``treated`` must
    be constant within a unit. With ``value_per_point`` the effect and its interval are also
    given in money (e.g. revenue per customer per NPS point x customers).
    """
    t = as_table(panel)
    _require(t, [unit, period, treated, outcome], "the panel")
    pre_values = list(pre) if isinstance(pre, list | tuple | set) else [pre]
    post_values = list(post) if isinstance(post, list | tuple | set) else [post]
    if set(pre_values) & set(post_values):
        raise InvalidInputError("a period cannot be both pre and post; check the two lists")
    y = t[outcome].cast("float64")
    is_pre, is_post = t[period].isin(pre_values), t[period].isin(post_values)
    flag = t[treated].cast("int64")
    per_unit = (
        t.filter(y.notnull())
        .group_by(unit)
        .aggregate(
            _cx_before=y.mean(where=is_pre),
            _cx_after=y.mean(where=is_post),
            _cx_tmin=flag.min(),
            _cx_tmax=flag.max(),
        )
    )
    per_unit = per_unit.filter(per_unit["_cx_before"].notnull() & per_unit["_cx_after"].notnull())
    change = per_unit["_cx_after"] - per_unit["_cx_before"]
    summary = (
        per_unit.group_by(g=per_unit["_cx_tmax"])
        .aggregate(
            n=per_unit.count(),
            mean=change.mean(),
            var=change.var(how="sample"),
            before=per_unit["_cx_before"].mean(),
            after=per_unit["_cx_after"].mean(),
            mixed=(per_unit["_cx_tmin"] != per_unit["_cx_tmax"]).cast("int64").sum(),
        )
        .to_pyarrow()
        .to_pylist()
    )
    if any(row["mixed"] for row in summary):
        raise InvalidInputError(
            f"{treated!r} changes within some units; mark a unit treated in every period "
            "(the periods say when the change happened)"
        )
    by_group = {row["g"]: row for row in summary}
    tr, co = by_group.get(1), by_group.get(0)
    if tr is None or co is None or tr["n"] < 2 or co["n"] < 2:
        raise InsufficientDataError(
            "need at least 2 treated and 2 control units seen both before and after; "
            f"found {tr['n'] if tr else 0} treated and {co['n'] if co else 0} control"
        )
    effect = tr["mean"] - co["mean"]
    va, vb = tr["var"] / tr["n"], co["var"] / co["n"]
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (tr["n"] - 1) + vb**2 / (co["n"] - 1)) if se > 0 else math.inf
    crit = float(stats.t.ppf(1 - (1 - confidence) / 2, df))
    p_value = float(2 * stats.t.sf(abs(effect) / se, df)) if se > 0 else float(effect == 0)
    low, high = effect - crit * se, effect + crit * se
    money = money_low = money_high = math.nan
    vpp = math.nan if value_per_point is None else float(value_per_point)
    if value_per_point is not None:
        money, money_low, money_high = effect * vpp, *sorted((low * vpp, high * vpp))
    return DidResult(
        effect=effect,
        low=low,
        high=high,
        std_error=se,
        df=df,
        p_value=p_value,
        n_treated=int(tr["n"]),
        n_control=int(co["n"]),
        treated_before=tr["before"],
        treated_after=tr["after"],
        control_before=co["before"],
        control_after=co["after"],
        value_per_point=vpp,
        money=money,
        money_low=money_low,
        money_high=money_high,
        confidence=confidence,
    )


# --- internals ---------------------------------------------------------------------------------
def _spec(metric: str) -> tuple[float, float, tuple[str, str, str]]:
    family = "nps" if metric in ("nps", "enps", "internal_nps") else metric
    if family not in _GROUPS:
        raise InvalidInputError(f"unknown metric {metric!r}; use one of {sorted(_GROUPS)}")
    return _GROUPS[family]


def _scored(responses: Any, *, metric: str, customer: str, score: str, at: str) -> ibis.Table:
    """Scored answers of ``metric`` with a customer and a date; score in ``_cx_score``."""
    t = as_table(responses)
    _require(t, [customer, score, at], "responses")
    if "metric" in t.columns:
        t = t.filter(t["metric"] == metric)
    s = t[score].cast("float64")
    if not isinstance(responses, ibis.Table):  # pandas NaN means "no answer"
        s = ibis.ifelse(s.isnan(), ibis.null("float64"), s)
    t = t.mutate(_cx_score=s)
    return t.filter(t["_cx_score"].notnull() & t[customer].notnull() & t[at].notnull())


def _group_stats(
    responses: Any,
    transactions: Any,
    clv: Any,
    *,
    metric: str,
    window: Window | None,
    customer: str,
    score: str,
    at: str,
    amount: str,
) -> dict[str, dict[str, Any]]:
    """One query: latest score per customer -> group; revenue and CLV per group."""
    top_from, bottom_to, labels = _spec(metric)
    r = _scored(responses, metric=metric, customer=customer, score=score, at=at)
    start, end = (None, None) if window is None else (_ts(window[0]), _ts(window[1]))
    if end is not None:
        r = r.filter(r[at] < end)
    latest = r.group_by(customer).aggregate(_cx_latest=r["_cx_score"].argmax(r[at]))
    s = latest["_cx_latest"]
    group = ibis.cases((s >= top_from, labels[0]), (s <= bottom_to, labels[2]), else_=labels[1])
    base = latest.mutate(_cx_group=group)
    measures: dict[str, Any] = {}
    if transactions is not None:
        tx = as_table(transactions)
        _require(tx, [customer, at, amount], "transactions")
        if start is not None:
            tx = tx.filter((tx[at] >= start) & (tx[at] < end))
        revenue = tx.group_by(customer).aggregate(_cx_rev=tx[amount].cast("float64").sum())
        base = base.left_join(revenue, customer)
        base = base.drop(f"{customer}_right") if f"{customer}_right" in base.columns else base
        base = base.mutate(_cx_rev=base["_cx_rev"].fill_null(0.0))
    if clv is not None:
        v = as_table(clv)
        _require(v, [customer, "clv"], "the clv table")
        base = base.left_join(v.select(customer, _cx_clv=v["clv"].cast("float64")), customer)
        base = base.drop(f"{customer}_right") if f"{customer}_right" in base.columns else base
    measures["n"] = base.count()
    if transactions is not None:
        rev = base["_cx_rev"]
        measures |= {"rev_mean": rev.mean(), "rev_var": rev.var(how="sample"), "rev_sum": rev.sum()}
    if clv is not None:
        c = base["_cx_clv"]
        measures |= {"clv_n": c.count(), "clv_mean": c.mean(), "clv_var": c.var(how="sample")}
    rows = base.group_by("_cx_group").aggregate(**measures).to_pyarrow().to_pylist()
    return {row.pop("_cx_group"): row for row in rows}


def _t_interval(
    n: Any, mean: Any, var: Any, confidence: float
) -> tuple[float, float, float, float]:
    if not n or mean is None:
        return (math.nan, math.nan, math.nan, math.nan)
    if n < 2 or var is None:
        return (float(mean), math.nan, math.nan, math.nan)
    se = math.sqrt(var / n)
    half = float(stats.t.ppf(1 - (1 - confidence) / 2, n - 1)) * se
    return (float(mean), float(mean) - half, float(mean) + half, se)


def _ts(value: date | datetime | str) -> ibis.Value:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    elif not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return ibis.literal(value, type="timestamp")


def _require(t: ibis.Table, needed: Sequence[str], what: str) -> None:
    missing = [c for c in needed if c not in t.columns]
    if missing:
        raise InvalidInputError(
            f"{what} has no column(s) {missing}; it has {sorted(t.columns)}; "
            "pass the names of the columns to use"
        )
