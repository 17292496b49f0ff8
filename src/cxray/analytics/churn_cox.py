"""The Cox proportional-hazards model of churn (Cox 1972, JRSS B 34:187) through lifelines,
as a frozen result; public as :func:`cxray.analytics.churn.cox_model`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

from cxray.analytics.tables import as_table
from cxray.errors import InsufficientDataError, InvalidInputError

if TYPE_CHECKING:
    import ibis
    import pandas as pd
    import pyarrow as pa

    TableLike = ibis.Table | pd.DataFrame | pa.Table


# --- Cox ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HazardRatio:
    """exp(coef) of one covariate (for a category: that level against the reference level)."""

    name: str
    value: float
    low: float
    high: float
    p_value: float
    coef: float
    std_error: float  # of coef


@dataclass(frozen=True, slots=True)
class CoxResult:
    """A fitted Cox model: hazard ratios with intervals and p-values, concordance, n, events."""

    hazard_ratios: tuple[HazardRatio, ...]
    concordance: float
    n: int
    events: int
    log_likelihood: float
    reference: tuple[tuple[str, str], ...] = ()  # (column, reference level) of categories
    confidence: float = 0.95

    def __getitem__(self, name: str) -> HazardRatio:
        for hr in self.hazard_ratios:
            if hr.name == name:
                return hr
        raise KeyError(f"{name!r}; covariates: {[h.name for h in self.hazard_ratios]}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "hazard_ratios": [asdict(h) for h in self.hazard_ratios],
            "concordance": self.concordance,
            "n": self.n,
            "events": self.events,
            "log_likelihood": self.log_likelihood,
            "reference": dict(self.reference),
            "confidence": self.confidence,
        }


def cox_model(
    df: TableLike,
    duration: str,
    event: str,
    covariates: Sequence[str],
    *,
    reference: Mapping[str, Any] | None = None,
    penalizer: float = 0.0,
    confidence: float = 0.95,
    start: str | None = None,
    subject: str | None = None,
) -> CoxResult:
    """Cox proportional-hazards model of churn on ``covariates`` (lifelines ``CoxPHFitter``).

    Text, boolean and categorical covariates become one indicator per level, named
    ``"column=level"``, against a reference level: ``reference[column]`` when given, else the
    first level in sorted order. Rows with a null in any column used are left out (``n`` says
    how many were used). Intervals are Wald intervals ``exp(coef ± z se)``.

    Covariates that change over time (Therneau & Grambsch 2000, ch. 3): give ``start`` and
    ``subject`` and each row is an interval ``(start, duration]`` of one subject with the
    covariates' values during it, ``event`` set on the subject's last interval only
    (lifelines ``CoxTimeVaryingFitter``). A subject enters when its first interval starts,
    so "since the first answer" needs no imputed values before it. There is no concordance
    for such a model (NaN); ``n`` counts subjects.
    """
    import pandas as pd

    varying = start is not None or subject is not None
    if varying and (start is None or subject is None):
        raise InvalidInputError("a time-varying Cox model needs both start= and subject=")
    columns = [duration, event, *covariates, *([start, subject] if varying else [])]
    if not covariates:
        raise InvalidInputError("cox_model needs at least one covariate")
    frame = _to_pandas(df, columns)
    frame = frame.dropna(subset=columns)
    if frame.empty:
        raise InsufficientDataError("cox_model: no row has every column filled in")
    design = pd.DataFrame(
        {
            "_cx_duration": pd.to_numeric(frame[duration]),
            "_cx_event": frame[event].astype(float),
        },
        index=frame.index,
    )
    if varying:
        design["_cx_start"] = pd.to_numeric(frame[start])
        design["_cx_subject"] = frame[subject]
        if (design["_cx_start"] >= design["_cx_duration"]).any():
            raise InvalidInputError(
                f"every interval must end after it starts ({start} < {duration})"
            )
    refs: list[tuple[str, str]] = []
    for name in covariates:
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            design[name] = col.astype(float)
            continue
        levels = sorted(col.astype(str).unique())
        ref = str((reference or {}).get(name, levels[0]))
        if ref not in levels:
            raise InvalidInputError(
                f"reference level {ref!r} of {name!r} is not in the data; levels: {levels}"
            )
        refs.append((name, ref))
        for level in levels:
            if level != ref:
                design[f"{name}={level}"] = (col.astype(str) == level).astype(float)
    events = int(design["_cx_event"].sum())
    if events == 0:
        raise InsufficientDataError(
            f"cox_model: no churn events among {len(design)} rows; nothing to model"
        )
    # heavy import, only when a model is asked for
    from lifelines import CoxPHFitter, CoxTimeVaryingFitter

    if varying:
        fitter = CoxTimeVaryingFitter(penalizer=penalizer, alpha=1 - confidence)
        fitter.fit(
            design,
            id_col="_cx_subject",
            event_col="_cx_event",
            start_col="_cx_start",
            stop_col="_cx_duration",
        )
        concordance, n = math.nan, int(design["_cx_subject"].nunique())
    else:
        fitter = CoxPHFitter(penalizer=penalizer, alpha=1 - confidence)
        fitter.fit(design, duration_col="_cx_duration", event_col="_cx_event")
        concordance, n = float(fitter.concordance_index_), len(design)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    summary = fitter.summary
    ratios = tuple(
        HazardRatio(
            name=str(name),
            value=math.exp(row["coef"]),
            low=math.exp(row["coef"] - z * row["se(coef)"]),
            high=math.exp(row["coef"] + z * row["se(coef)"]),
            p_value=float(row["p"]),
            coef=float(row["coef"]),
            std_error=float(row["se(coef)"]),
        )
        for name, row in summary.iterrows()
    )
    return CoxResult(
        hazard_ratios=ratios,
        concordance=concordance,
        n=n,
        events=events,
        log_likelihood=float(fitter.log_likelihood_),
        reference=tuple(refs),
        confidence=confidence,
    )


def _to_pandas(df: Any, columns: Sequence[str]) -> pd.DataFrame:
    import ibis
    import pandas as pd

    if isinstance(df, pd.DataFrame):
        frame = df
    elif isinstance(df, ibis.Table):
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise InvalidInputError(f"no column(s) {missing}; the table has {sorted(df.columns)}")
        frame = df.select(*columns).to_pandas()
    else:
        frame = as_table(df).to_pandas()
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"no column(s) {missing}; the table has {sorted(frame.columns)}")
    return frame[list(columns)]
