"""Read chosen columns of a wide table (one row per respondent) for an ad-hoc analysis.

A survey exported from another tool often has one column per rating question ("Seat
comfort", "Cleanliness", ...) and one with the overall score. The canonical ``responses``
table holds one score per row, so such a file is analysed straight from disk instead of
being imported: :func:`read_wide` reads it with the importer's readers (CSV in any of its
encodings and delimiters, XLSX, JSON) and converts the columns with the importer's number
rules, deciding the decimal separator once per column.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from cxray.errors import InvalidInputError
from cxray.ingest import convert as cv
from cxray.ingest import readers

_EXAMPLES = 3  # bad cells quoted in an error


def read_wide(path: Path, columns: Sequence[str], *, text: Sequence[str] = ()) -> pd.DataFrame:
    """The ``columns`` of the file at ``path`` as a DataFrame, in the file's row order.

    Every column is converted to numbers (empty cell = NaN) except those also named in
    ``text``, which stay text when any of their cells is not a number (a two-valued outcome
    such as ``satisfied`` / ``neutral or dissatisfied``). A column that is not in the file,
    or a number column with a cell that is not a number, raises
    :class:`~cxray.errors.InvalidInputError` naming the column, the rows and the values.
    """
    wanted = list(dict.fromkeys(columns))
    if not wanted:
        raise InvalidInputError("name the columns to read, e.g. --columns 'Seat comfort,Food'")
    con = duckdb.connect()
    try:
        with readers.tempdir() as tmp:
            src = readers.load(con, Path(path), tmp)
            absent = [c for c in wanted if c not in src.headers]
            if absent:
                raise InvalidInputError(
                    f"{Path(path).name} has no column(s) {absent}; its columns are "
                    f"{src.headers}; names must match the header row exactly"
                )
            comma_hint = src.delimiter == ";" or src.encoding == "cp1251"
            out: dict[str, object] = {}
            for name in wanted:
                out[name] = _column(con, Path(path).name, name, comma_hint, name in text)
    finally:
        con.close()
    return pd.DataFrame(out)


def _column(
    con: duckdb.DuckDBPyConnection, file: str, name: str, comma_hint: bool, may_be_text: bool
) -> pd.Series:
    raw = cv.trimmed(readers._q(name))
    mode = cv.decimal_mode(con, "src", raw, comma_hint)
    parsed = cv.number_parse(raw, mode)
    rows = con.execute(
        f"SELECT {raw} AS t, {parsed} AS v FROM src ORDER BY {readers.ROW}"
    ).fetch_df()
    bad = rows["t"].notna() & rows["v"].isna()
    if not bad.any():
        return rows["v"].astype("float64")
    if may_be_text:
        return rows["t"]
    row_numbers = (
        con.execute(
            f"SELECT {readers.ROW} AS r, {raw} AS t FROM src "
            f"WHERE {raw} IS NOT NULL AND {parsed} IS NULL ORDER BY r LIMIT {_EXAMPLES}"
        )
        .fetch_df()
        .itertuples(index=False)
    )
    examples = ", ".join(f"row {int(r)}: {t!r}" for r, t in row_numbers)
    raise InvalidInputError(
        f"{file}: column {name!r} has {int(bad.sum())} cell(s) that are not numbers "
        f"({examples}); drivers must be ratings: fix or empty those cells, or leave the "
        "column out"
    )
