"""Reading interview and competitor-rating files (CSV, XLSX, JSON) row by row.

The readers of :mod:`cxray.ingest` do the hard part (encodings, delimiters, Excel cells);
these files are small (tens to thousands of rows), so rows come back to Python and are
checked one by one, with every problem named by row and column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from cxray.errors import InvalidInputError
from cxray.ingest.headers import normalise
from cxray.ingest.readers import ROW, load, tempdir

MAX_ERRORS = 20


@dataclass(frozen=True)
class RowsFile:
    name: str
    headers: list[str]
    rows: list[tuple[int, dict[str, str | None]]]  # (row number a user sees, header → cell)


def read_rows(path: Path, *, name: str | None = None) -> RowsFile:
    con = duckdb.connect()
    try:
        with tempdir() as tmp:
            source = load(con, Path(path), tmp)
            cur = con.execute(f'SELECT * FROM src ORDER BY "{ROW}"')
            cols = [d[0] for d in cur.description]
            rows = [
                (int(r[0]), {h: _cell(v) for h, v in zip(cols[1:], r[1:], strict=True)})
                for r in cur.fetchall()
            ]
    finally:
        con.close()
    return RowsFile(name or Path(path).name, source.headers, rows)


def _cell(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def match_columns(
    file: RowsFile, synonyms: Mapping[str, tuple[str, ...]], required: tuple[str, ...]
) -> dict[str, str]:
    """``{field: header}`` for the fields whose header (or a synonym) is in the file."""
    by_norm = {normalise(h): h for h in file.headers}
    found: dict[str, str] = {}
    for field, names in synonyms.items():
        for candidate in (field, *names):
            header = by_norm.get(normalise(candidate))
            if header is not None and header not in found.values():
                found[field] = header
                break
    missing = [f for f in required if f not in found]
    if missing:
        hints = "; ".join(f"{f}: {', '.join(synonyms[f][:4])}" for f in missing)
        raise InvalidInputError(
            f"cannot import {file.name}: no column for {', '.join(missing)} "
            f"(headers found: {', '.join(file.headers) or 'none'}); name the column one of "
            f"{hints}"
        )
    return found


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


def parse_date(value: str) -> date:
    """A date as users write it: 2024-12-31, 31.12.2024 or 31/12/2024 (a time is ignored)."""
    text = re.sub(r"(\d:\d\d)\.\d+$", r"\1", value.strip())  # fractions of a second
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


class RowProblems:
    """Collects ``row N, column "X": ...`` lines and raises them together."""

    def __init__(self, file: RowsFile) -> None:
        self.file = file
        self.lines: list[str] = []
        self.rows: set[int] = set()

    def add(self, row: int, column: str | None, message: str) -> None:
        self.rows.add(row)
        where = f'row {row}, column "{column}"' if column else f"row {row}"
        self.lines.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if not self.lines:
            return
        shown = self.lines[:MAX_ERRORS]
        more = len(self.lines) - len(shown)
        tail = [f"... and {more} more"] if more else []
        n = len(self.rows)
        raise InvalidInputError(
            "\n  ".join(
                [
                    f"cannot import {self.file.name}: {n} row{'s' if n != 1 else ''} "
                    "have problems, nothing was stored",
                    *shown,
                    *tail,
                ]
            )
            + "\nfix the rows and import the file again; rows stored by earlier imports are "
            "unchanged"
        )
