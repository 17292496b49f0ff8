"""The results of reading and importing a file, and the error that rejects a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from cxray.errors import InvalidInputError

MAX_LISTED = 50  # problems spelled out in an error message; all are kept in .errors


@dataclass(frozen=True)
class RowError:
    """One problem in one cell, or in the file as a whole when ``row`` is None.

    ``row`` counts as a spreadsheet does: the header is row 1, the first data row is row 2
    (in JSON files it is the record number, from 1).
    """

    file: str
    row: int | None
    column: str
    value: str
    message: str  # what is wrong and how to fix it

    def line(self, unit: str = "row") -> str:
        if self.row is None:
            return f"  {self.message}"
        where = (
            f'{unit} {self.row}, column "{self.column}"' if self.column else f"{unit} {self.row}"
        )
        return f"  {where}: {self.message}"


@dataclass(frozen=True)
class ParsedFile:
    """A file read, validated and converted to one canonical table, not yet stored."""

    kind: str
    file: str
    table: pa.Table  # the canonical columns of the target table; valid, kept rows only
    errors: list[RowError]
    skipped: dict[str, int]  # reason -> rows deliberately left out by the cleaning rules
    warnings: list[str]
    column_map: dict[str, str]  # canonical field -> source header
    n_rows: int  # data rows read from the file
    n_error_rows: int = 0  # rows with at least one problem (errors may be capped)
    source_format: str = "csv"
    details: dict[str, Any] = field(default_factory=dict)  # encoding, delimiter, date formats

    @property
    def target_table(self) -> str:
        from cxray.ingest.fields import TARGET_TABLE

        return TARGET_TABLE[self.kind]

    @property
    def ok(self) -> bool:
        return not self.errors

    def preview(self, n: int = 10) -> list[dict[str, Any]]:
        """The first ``n`` converted rows, as dicts, for a confirmation screen."""
        return self.table.slice(0, n).to_pylist()

    def error_report(self) -> str:
        """The message that rejects the file: what is wrong, where, and what to do."""
        if not self.errors:
            return ""
        unit = "record" if self.source_format == "json" else "row"
        cell_errors = [e for e in self.errors if e.row is not None]
        if cell_errors and len(cell_errors) == len(self.errors):
            n = self.n_error_rows or len({e.row for e in cell_errors})
            what = f"{n} {unit}{'s have' if n != 1 else ' has'} problems"
        else:
            what = "the file does not fit a " + self.kind + " import"
        lines = [f"cannot import {self.file}: {what}, nothing was stored"]
        lines += [e.line(unit) for e in self.errors[:MAX_LISTED]]
        more = max(len(self.errors), self.details.get("n_problems", 0)) - MAX_LISTED
        if more > 0:
            lines.append(f"  ... and {more} more")
        if cell_errors:
            lines.append(
                f"fix the {unit}s (numbered as in a spreadsheet: the header is row 1) and "
                "import the file again; rows already stored from earlier imports are unchanged"
                if unit == "row"
                else "fix the records and import the file again; rows already stored from "
                "earlier imports are unchanged"
            )
        else:
            lines.append(
                "nothing was stored; rows already stored from earlier imports are unchanged"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportResult:
    kind: str
    n_rows: int  # data rows read
    stored: int  # new (or, for customers and employees, changed) rows written
    unchanged: int  # rows that were already stored exactly so
    skipped: dict[str, int]
    warnings: list[str]
    dry_run: bool
    column_map: dict[str, str]
    table: str = ""  # the canonical table written


class ImportRejected(InvalidInputError):
    """The file has problems; nothing was stored. ``parsed`` holds every problem."""

    def __init__(self, parsed: ParsedFile) -> None:
        super().__init__(parsed.error_report())
        self.parsed = parsed

    @property
    def errors(self) -> list[RowError]:
        return self.parsed.errors
