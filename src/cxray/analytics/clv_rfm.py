"""Frequency, recency, T and monetary value per customer from a transactions table (one Ibis
aggregation), the input of the BTYD models in :mod:`cxray.analytics.clv`."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import numpy as np

from cxray.analytics.clv_fitting import UNIT_DAYS, TimeUnit
from cxray.errors import InvalidInputError

if TYPE_CHECKING:
    import ibis
    import pandas as pd
    import pyarrow as pa

    TableLike = ibis.Table | pd.DataFrame | pa.Table

_TRUNCATE: dict[str, str] = {"D": "D", "W": "W", "M": "M"}


def rfm_summary(
    transactions: TableLike,
    *,
    customer_id: str = "customer_id",
    at: str = "at",
    amount: str | None = "amount",
    observation_end: date | datetime,
    freq: TimeUnit = "D",
    time_unit: TimeUnit | None = None,
) -> pd.DataFrame:
    """Frequency, recency, T and monetary value per customer, from one Ibis aggregation.

    Purchases are counted per period of ``freq`` (a day by default): several transactions on
    one day are one purchase, with their amounts summed. Then, as in the BTYD literature and
    lifetimes:

    - ``frequency`` = number of distinct purchase periods - 1 (repeat purchases);
    - ``recency`` = time from the first to the last purchase period;
    - ``T`` = time from the first purchase period to the period of ``observation_end``;
    - ``monetary_value`` = mean amount of the repeat periods (the first purchase excluded,
      as the Gamma-Gamma model expects), 0 for customers without a repeat purchase.

    Times are in ``time_unit`` (default: ``freq``; "W" = 7 days, "M" = 30.4375 days), so
    ``freq="D", time_unit="W"`` gives Fader & Hardie's CDNOW summary in weeks. Transactions
    after ``observation_end`` (a date includes that whole day) are left out; so are rows
    without a customer or a date. The result has one row per customer, sorted by id.
    """
    import ibis
    import pandas as pd

    from cxray.analytics.tables import as_table

    unit = time_unit or freq
    if freq not in _TRUNCATE or unit not in UNIT_DAYS:
        raise InvalidInputError(
            f"freq and time_unit must be one of {sorted(_TRUNCATE)}, got {freq!r}/{time_unit!r}"
        )
    t = as_table(transactions)
    needed = [customer_id, at] + ([amount] if amount else [])
    missing = [c for c in needed if c not in t.columns]
    if missing:
        raise InvalidInputError(
            f"rfm_summary: no column(s) {missing}; the table has {sorted(t.columns)}; "
            "pass customer_id=, at=, amount= with your column names (amount=None to skip spend)"
        )
    if not t[at].type().is_temporal():
        raise InvalidInputError(
            f"rfm_summary: column {at!r} is {t[at].type()}, not a date or timestamp; "
            "convert it first (e.g. pd.to_datetime)"
        )
    end = observation_end if isinstance(observation_end, datetime) else None
    if end is None:
        end_day = observation_end
        t = t.filter(t[at].cast("date") <= ibis.literal(end_day))
    else:
        end_day = end.date()
        t = t.filter(t[at] <= ibis.literal(end))
    t = t.filter(t[customer_id].notnull() & t[at].notnull())
    period = t[at].cast("timestamp").truncate(_TRUNCATE[freq]).cast("date")
    spend = t[amount].cast("float64") if amount else ibis.literal(0.0)
    per_period = t.group_by(
        [t[customer_id].name(customer_id), period.name("_cx_period")]
    ).aggregate(_cx_amount=spend.sum())
    p, amt = per_period["_cx_period"], per_period["_cx_amount"].fill_null(0.0)
    rows = (
        per_period.group_by(customer_id)
        .aggregate(
            _cx_first=p.min(),
            _cx_last=p.max(),
            _cx_periods=p.count(),
            _cx_total=amt.sum(),
            _cx_first_amount=amt.argmin(p),
        )
        .order_by(customer_id)
        .to_pandas()
    )
    end_period = pd.Timestamp(end_day).to_period(_pandas_period(freq)).start_time
    first = pd.to_datetime(rows["_cx_first"])
    last = pd.to_datetime(rows["_cx_last"])
    day = np.timedelta64(1, "D")
    scale = UNIT_DAYS[unit]
    periods = rows["_cx_periods"].to_numpy(dtype=float)
    repeats = periods - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(
            repeats > 0,
            (rows["_cx_total"].to_numpy(float) - rows["_cx_first_amount"].to_numpy(float))
            / np.maximum(repeats, 1),
            0.0,
        )
    return pd.DataFrame(
        {
            customer_id: rows[customer_id].to_numpy(),
            "frequency": repeats.astype(np.int64),
            "recency": ((last - first) / day).to_numpy(float) / scale,
            "T": ((end_period - first) / day).to_numpy(float) / scale,
            "monetary_value": monetary if amount else np.nan,
        }
    )


def _pandas_period(freq: str) -> str:
    return {"D": "D", "W": "W-SUN", "M": "M"}[freq]  # weeks start on Monday, as in Ibis
