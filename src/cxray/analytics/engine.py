"""Connect to an analytics engine by URL: DuckDB by default, any Ibis backend at scale."""

from __future__ import annotations

from typing import Any

import ibis

from cxray.errors import InvalidInputError

# What an engine cannot run, in one place: analytic name -> why. The conformance suite
# (tests/engines) marks these as expected failures; everything else must agree with DuckDB.
ENGINE_GAPS: dict[str, dict[str, str]] = {
    "pyspark": {},
}


def connect(url: str) -> Any:
    """An Ibis backend for ``url`` such as ``duckdb:///path.duckdb`` or ``duckdb://`` (memory).

    Any URL that :func:`ibis.connect` accepts works (``postgres://``, ``pyspark://``,
    ``clickhouse://``...), provided that backend's extra is installed.
    """
    if "://" not in url:
        raise InvalidInputError(
            f"analytics URL {url!r} has no scheme; use e.g. duckdb:///path/to/file.duckdb"
        )
    try:
        return ibis.connect(url)
    except ImportError as exc:  # the backend's driver is an optional extra
        scheme = url.split("://", 1)[0]
        raise InvalidInputError(
            f"the {scheme} engine is not installed ({exc}); install it with "
            f"pip install 'ibis-framework[{scheme}]'"
        ) from exc
