"""Load a CSV, XLSX or JSON file into a DuckDB table of text columns, one row per data row.

Every file ends up as table ``src`` in the given DuckDB connection: the source headers as
VARCHAR columns plus ``ROW``, the row number a spreadsheet user would see (header = row 1,
first data row = row 2; for JSON the record number). Nothing is typed here; conversion and
validation happen afterwards in SQL so that a million-row CSV never goes through Python.

CSV: delimiter sniffed among ``,`` ``;`` TAB ``|``; encoding is UTF-8 (with or without BOM)
when the whole file decodes as UTF-8, UTF-16 when it has a UTF-16 BOM, otherwise Windows-1251
(what Russian and Ukrainian Excel writes). DuckDB only reads UTF-8 offline, so other encodings
are transcoded to a temporary UTF-8 file first. ``.gz`` files are read compressed.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import gzip
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from cxray.errors import InvalidInputError

ROW = "__cxray_row"
_CHUNK = 4 << 20
_DELIMITERS = (",", ";", "\t", "|")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Source:
    headers: list[str]
    n_rows: int
    format: str  # csv | xlsx | json
    encoding: str | None = None
    delimiter: str | None = None


def load(con: duckdb.DuckDBPyConnection, path: Path, tmpdir: str) -> Source:
    """Create table ``src`` in ``con`` from ``path``; ``tmpdir`` holds any transcoded copy."""
    if not path.exists():
        raise InvalidInputError(f"cannot import {path}: there is no such file")
    name = path.name.lower()
    if name.endswith((".xlsx", ".xlsm")):
        headers, table = read_xlsx(path)
        return _register(con, headers, table, "xlsx")
    if name.endswith(".xls"):
        raise InvalidInputError(
            f"cannot import {path.name}: old .xls workbooks are not supported; "
            "open it in Excel or LibreOffice and save it as .xlsx or .csv"
        )
    if name.endswith((".json", ".jsonl", ".ndjson")):
        headers, table = read_json(path)
        return _register(con, headers, table, "json")
    return _load_csv(con, path, tmpdir)


# --- CSV -----------------------------------------------------------------------------------
def _open_bytes(path: Path) -> Any:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def detect_encoding(path: Path) -> str:
    """``utf-8``, ``utf-16`` (BOM) or ``cp1251``: valid UTF-8 throughout means UTF-8."""
    with _open_bytes(path) as f:
        first = f.read(_CHUNK)
        if first.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16"
        decoder = codecs.getincrementaldecoder("utf-8")()
        chunk = first
        try:
            while chunk:
                decoder.decode(chunk)
                chunk = f.read(_CHUNK)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1251"
    return "utf-8"


def _transcode(path: Path, encoding: str, tmpdir: str) -> Path:
    out = Path(tmpdir) / "transcoded.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with _open_bytes(path) as src, open(out, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(_CHUNK):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return out


def _head_text(path: Path, encoding: str) -> str:
    with _open_bytes(path) as f:
        raw = f.read(1 << 16)
    return raw.decode(encoding, errors="ignore").lstrip("\ufeff")


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number of fields, most fields."""
    lines = [ln for ln in text.splitlines()[:30] if ln.strip()]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of the sample may be cut in the middle
    best, best_score = ",", (-1, -1)
    for d in _DELIMITERS:
        counts = [_count_outside_quotes(ln, d) for ln in lines] or [0]
        header = counts[0]
        if header == 0:
            continue
        consistent = sum(c == header for c in counts)
        score = (consistent, header)
        if score > best_score:
            best, best_score = d, score
    return best


def _count_outside_quotes(line: str, delim: str) -> int:
    n, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delim and not quoted:
            n += 1
    return n


def _load_csv(con: duckdb.DuckDBPyConnection, path: Path, tmpdir: str) -> Source:
    encoding = detect_encoding(path)
    readable = path if encoding == "utf-8" else _transcode(path, encoding, tmpdir)
    delim = sniff_delimiter(_head_text(readable, "utf-8"))
    try:
        con.execute(
            "CREATE TABLE src_raw AS SELECT * FROM read_csv(?, all_varchar = true, "
            "header = true, delim = ?, quote = '\"', escape = '\"', null_padding = true, "
            "strict_mode = false)",
            [str(readable), delim],
        )
    except duckdb.Error as exc:
        raise InvalidInputError(
            f"cannot import {path.name}: it could not be read as CSV ({exc}); "
            "check that it is a text file with a header row"
        ) from exc
    headers = [d[0] for d in con.execute("SELECT * FROM src_raw LIMIT 0").description]
    # rowid is the insertion order, which DuckDB keeps equal to the file order.
    try:
        cols = ", ".join(_q(h) for h in headers)
    except InvalidInputError as exc:
        raise InvalidInputError(f"cannot import {path.name}, row 1 (the header): {exc}") from exc
    con.execute(f"CREATE VIEW src AS SELECT rowid + 2 AS {ROW}, {cols} FROM src_raw")
    n = con.execute("SELECT count(*) FROM src_raw").fetchone()[0]  # type: ignore[index]
    return Source(headers, int(n), "csv", encoding, delim)


# --- XLSX and JSON -------------------------------------------------------------------------
def cell_text(value: Any) -> str | None:
    """A cell or JSON value as the text the converters read (ISO dates, plain numbers)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _unique_headers(raw: Iterable[Any]) -> list[str]:
    out: list[str] = []
    for i, h in enumerate(raw):
        name = (cell_text(h) or "").strip() or f"column {i + 1}"
        base, n = name, 2
        while name in out:
            name, n = f"{base} ({n})", n + 1
        out.append(name)
    return out


def read_xlsx(path: Path) -> tuple[list[str], pa.Table]:
    """The first sheet: the first non-empty row is the header; empty rows are dropped."""
    import openpyxl  # imported here: only XLSX imports pay for it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InvalidInputError(f"cannot import {path.name}: not a readable .xlsx ({exc})") from exc
    try:
        ws = wb.worksheets[0]
        headers: list[str] | None = None
        columns: list[list[str | None]] = []
        rows: list[int] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if headers is None:
                width = max(i for i, v in enumerate(values) if v is not None) + 1
                headers = _unique_headers(values[:width])
                columns = [[] for _ in headers]
                continue
            rows.append(number)
            for i, col in enumerate(columns):
                col.append(cell_text(values[i]) if i < len(values) else None)
    finally:
        wb.close()
    if headers is None:
        raise InvalidInputError(f"cannot import {path.name}: the first sheet is empty")
    return headers, _arrow(headers, columns, rows)


def read_json(path: Path) -> tuple[list[str], pa.Table]:
    """A JSON array of objects, or JSON Lines (one object per line)."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        if text.lstrip().startswith("["):
            records = json.loads(text)
        else:
            records = [json.loads(ln) for ln in text.splitlines() if ln.strip()]
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"cannot import {path.name}: not valid JSON or JSON Lines ({exc.msg} at line "
            f"{exc.lineno}); it must be an array of objects or one object per line"
        ) from exc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InvalidInputError(
            f"cannot import {path.name}: expected an array of objects or one object per line"
        )
    keys: dict[str, None] = {}
    for number, r in enumerate(records, start=1):
        new = [k for k in r if k not in keys]
        try:
            for k in new:
                _q(k)  # a name no SQL column can carry fails here, where its row is known
        except InvalidInputError as exc:
            raise InvalidInputError(f"cannot import {path.name}, row {number}: {exc}") from exc
        keys.update(dict.fromkeys(new))
    headers = list(keys)
    columns = [[cell_text(r.get(k)) for r in records] for k in headers]
    return headers, _arrow(headers, columns, list(range(1, len(records) + 1)))


def _arrow(headers: list[str], columns: list[list[str | None]], rows: list[int]) -> pa.Table:
    arrays = [pa.array(rows, pa.int64())] + [pa.array(c, pa.string()) for c in columns]
    return pa.Table.from_arrays(arrays, names=[ROW, *headers])


def _register(con: duckdb.DuckDBPyConnection, headers: list[str], t: pa.Table, fmt: str) -> Source:
    con.register("src_arrow", t)
    con.execute("CREATE TABLE src AS SELECT * FROM src_arrow")
    con.unregister("src_arrow")
    return Source(headers, t.num_rows, fmt)


def _q(name: str) -> str:
    """A quoted SQL identifier (headers can hold any character but NUL, and not be empty)."""
    if not name or "\0" in name:
        raise InvalidInputError(
            f"a column header is {'empty' if not name else 'holding a NUL character'} "
            f"({name!r}); give every column a name in the header row"
        )
    return '"' + name.replace('"', '""') + '"'


def tempdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="cxray-import-", dir=os.environ.get("TMPDIR"))
