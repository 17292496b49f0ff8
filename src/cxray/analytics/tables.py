"""Accept what users pass in: an Ibis table as it is, anything tabular wrapped as a memtable."""

from __future__ import annotations

from typing import Any

import ibis

from cxray.errors import InvalidInputError


def as_table(table: Any) -> ibis.Table:
    """An Ibis table for ``table`` (an Ibis table, a pandas DataFrame or a pyarrow table)."""
    if isinstance(table, ibis.Table):
        return table
    try:
        return ibis.memtable(table)
    except Exception as exc:  # ibis raises several types for unusable input
        raise InvalidInputError(
            f"expected an Ibis table or a pandas DataFrame, got {type(table).__name__}"
        ) from exc
