"""Property-based fuzzing of every importer: any file either imports cleanly or is rejected
with an error naming the file (and the row and column where it is one cell), never with
another exception, and a rejected file leaves nothing stored."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxray.analytics.schema import TABLES
from cxray.analytics.store import AnalyticsStore
from cxray.errors import InvalidInputError
from cxray.ingest import KINDS, ImportRejected, import_file
from cxray.ingest.fields import FIELDS, TARGET_TABLE

# Cells a real export may hold, and the ones an attacker would write (formulas for CSV
# injection), mixed with anything at all.
TRICKY = [
    "=1+1",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","click")',
    "+380671234567",
    "-5",
    "@SUM(A1:A9)",
    '"',
    'a"b',
    "",
    " ",
    "NaN",
    "1e309",
    "31.13.2024",
    "2024-02-30",
    "29.02.2024",
    "10",
    "9,5",
    "1 000,50",
    "01.02.2024",
    "2024-01-31 10:00",
    "02/03/2024",
    "так",
    "nps",
    "csat",
    "\r\n",
    "\x00",
    "Ω≈ç√∫",
    "Дякую, все чудово",
]
CELL = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=20),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
HUGE = "x" * 200_000
ENCODINGS = ["utf-8", "utf-8-sig", "cp1251", "utf-16", "latin-1"]
DELIMITERS = [",", ";", "\t", "|"]
# A longer hunt: CXRAY_FUZZ_EXAMPLES=500 pytest tests/ingest/test_fuzz_importers.py
EXAMPLES = int(os.environ.get("CXRAY_FUZZ_EXAMPLES", "25"))


@st.composite
def table(draw, kind: str):
    names = [f.name for f in FIELDS[kind]]
    header = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
    if draw(st.booleans()):
        header.append(draw(st.text(max_size=12)))
    n_rows = draw(st.integers(0, 6))
    rows = []
    for _ in range(n_rows):
        width = len(header) + draw(st.sampled_from([0, 0, 0, -1, 1]))
        rows.append([draw(CELL) for _ in range(max(width, 0))])
    if rows and draw(st.integers(0, 9)) == 0:
        rows[0][0:1] = [HUGE]  # a 200,000-character first cell
    return header, rows


@st.composite
def file_bytes(draw, kind: str) -> tuple[str, bytes]:
    header, rows = draw(table(kind))
    fmt = draw(st.sampled_from(["csv", "csv", "csv", "json", "xlsx"]))
    if fmt == "json":
        records = [dict(zip(header, row, strict=False)) for row in rows]
        text = json.dumps(records, ensure_ascii=draw(st.booleans()))
        if draw(st.integers(0, 4)) == 0:
            text = text[: draw(st.integers(0, len(text)))]  # a truncated download
        return "json", text.encode("utf-8")
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        wb = Workbook()
        sheet = wb.active
        for line in [header, *rows]:
            # openpyxl refuses control characters; a spreadsheet could not hold them either.
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in line])
        out = io.BytesIO()
        wb.save(out)
        return "xlsx", out.getvalue()
    delimiter = draw(st.sampled_from(DELIMITERS))
    buffer = io.StringIO()
    if draw(st.booleans()):
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    else:  # written by hand, as broken exports are: no quoting at all
        for line in [header, *rows]:
            buffer.write(delimiter.join(line) + "\n")
    encoding = draw(st.sampled_from(ENCODINGS))
    return "csv", buffer.getvalue().encode(encoding, errors="replace")


def _counts(store: AnalyticsStore) -> dict[str, int]:
    return {name: store.count(name, "w") for name in TABLES}


def _check(kind: str, tmp: Path, suffix: str, data: bytes) -> None:
    path = tmp / f"upload.{suffix}"
    path.write_bytes(data)
    store = AnalyticsStore("duckdb://")
    try:
        before = _counts(store)
        try:
            result = import_file(store, kind, path, workspace="w")
        except ImportRejected as exc:
            assert exc.errors, "a rejection must list its problems"
            for error in exc.errors:
                assert error.file == path.name
                assert error.message.strip()
                if error.row is not None:
                    assert error.row >= 1
            assert _counts(store) == before, "a rejected file must leave nothing stored"
            return
        except InvalidInputError as exc:
            # File-level problems (unreadable, empty, not JSON) name the file and the fix.
            assert path.name in str(exc), str(exc)
            assert _counts(store) == before
            return
        after = _counts(store)
        target = TARGET_TABLE[kind]
        assert after[target] == before[target] + result.stored
        assert {k: v for k, v in after.items() if k != target} == {
            k: v for k, v in before.items() if k != target
        }
    finally:
        store.con.disconnect()


@pytest.mark.parametrize("kind", KINDS)
def test_any_file_imports_cleanly_or_is_rejected_whole(kind, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"fuzz-{kind}")

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(file_bytes(kind))
    def run(case: tuple[str, bytes]) -> None:
        _check(kind, tmp, *case)

    run()
