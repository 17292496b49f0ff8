"""From table ``src`` (text) to the canonical table, validation errors and skip counts, in SQL.

The stages, each one SQL statement over the whole file:

1. ``t0``: the mapped columns, trimmed, empty cells as NULL (plus defaults for absent ones).
2. Per column, decide formats from all values (date order, decimal separator).
3. ``conv``: typed values, a skip reason (the cleaning rules) and one error flag per field.
4. Errors are read for flagged rows only (capped), skip reasons are counted, and the kept
   rows get their ``row_key`` and become the canonical Arrow table.

Skipped rows are not validated: they are left out anyway, so a bad date in an anonymous
purchase must not block the import.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from cxray.analytics.schema import FACT_TABLES, METRIC_SCALES, TABLES
from cxray.ingest import convert as cv
from cxray.ingest.fields import FIELDS, TARGET_TABLE, Field
from cxray.ingest.readers import ROW, Source, _q

MAX_ERRORS = 10_000  # problems kept as RowError objects; the total is still counted

_SQL_TYPES = {
    "string": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "float64": "DOUBLE",
    "boolean": "BOOLEAN",
    "int16": "SMALLINT",
}
_CANCELLED = ("cancelled", "canceled", "cancel", "void", "voided", "отменен", "отменён",
              "отмена", "скасовано", "скасований", "анулировано", "анульовано")  # fmt: skip
_METRIC_NAMES = {
    "nps": "nps", "enps": "enps", "internalnps": "internal_nps", "inps": "internal_nps",
    "csat": "csat", "ces": "ces", "custom": "custom",
}  # fmt: skip
_SKIP_WHEN_EMPTY = {
    ("customers", "customer_id"): "no customer id",
    ("transactions", "customer_id"): "no customer id",
    ("interactions", "customer_id"): "no customer id",
    ("employees", "employee_id"): "no employee id",
    ("feedback", "score"): "no score",
}
_EMPTY_MESSAGE = {
    "at": "the date is empty; every row needs a date",
    "amount": "the amount is empty; fill it in or remove the row",
    "quantity": "the quantity is empty; the amount is quantity × unit price, so both are needed",
    "unit_price": (
        "the unit price is empty; the amount is quantity × unit price, so both are needed"
    ),
}


@dataclass
class Checked:
    """What the pipeline found, before it is wrapped into a ParsedFile."""

    table: pa.Table
    problems: list[tuple[int, str, str, str]]  # row, field, value, message
    n_problems: int
    n_error_rows: int
    skipped: dict[str, int]
    warnings: list[str]
    details: dict[str, object]


def run(
    con: duckdb.DuckDBPyConnection,
    src: Source,
    kind: str,
    column_map: dict[str, str],
    workspace: str,
    date_order: str | None,
    defaults: dict[str, str],
    metric_default: str | None,
) -> Checked:
    fields = [f for f in FIELDS[kind] if f.name in column_map or f.name in defaults]
    warnings: list[str] = []
    details: dict[str, object] = {}
    _stage_text(con, src, kind, fields, column_map, defaults)

    # Formats are decided per column from every value in it.
    comma_hint = src.delimiter == ";" or src.encoding == "cp1251"
    date_formats: dict[str, cv.DateFormat] = {}
    modes: dict[str, str] = {}
    for f in fields:
        r = f"r_{f.name}"
        if f.type in ("timestamp", "date"):
            date_formats[f.name] = cv.detect_date_format(con, "t0", r, date_order)
        elif f.type in ("number", "score"):
            modes[f.name] = cv.decimal_mode(con, "t0", r, comma_hint)
    details["date_formats"] = {k: v.label for k, v in date_formats.items()}
    details["decimal"] = modes

    ambiguous = [(n, fmt) for n, fmt in date_formats.items() if fmt.ambiguous]
    if ambiguous:
        problems = []
        for name, _fmt in ambiguous:
            example = con.execute(
                f"SELECT r_{name} FROM t0 WHERE regexp_matches(r_{name}, "
                "'^\\d{1,2}[/-]\\d{1,2}[/-]') LIMIT 1"
            ).fetchone()
            value = example[0] if example else ""
            problems.append(
                (0, name, value,
                 f'column "{column_map.get(name, name)}" has dates like "{value}" that can be '
                 'read day-first or month-first, and no value settles it; say which with '
                 'date_order="DMY" or "MDY" (CLI: --date-order DMY or --date-order MDY)')
            )  # fmt: skip
        return Checked(_empty(kind), problems, len(problems), 0, {}, warnings, details)

    _stage_conv(con, kind, fields, column_map, date_formats, modes, metric_default)
    flags = [f"e_{f.name}" for f in fields] + [
        f"e_{n}_empty" for n in _required_empty(kind, fields)
    ]
    any_error = " OR ".join(flags) or "false"

    problems, n_problems, n_error_rows = _collect_errors(
        con, kind, fields, flags, any_error, date_formats, column_map
    )
    skipped = {
        reason: int(n)
        for reason, n in con.execute(
            "SELECT skip, count(*) FROM conv WHERE skip IS NOT NULL GROUP BY skip ORDER BY 2 DESC"
        ).fetchall()
    }
    table, dupes = _final(con, kind, fields, column_map, workspace, any_error)
    if dupes:
        key = "customer_id" if kind == "customers" else "employee_id"
        warnings.append(
            f"{dupes} rows repeat a {key} seen earlier in the file; the last row of each was kept"
        )
    return Checked(table, problems, n_problems, n_error_rows, skipped, warnings, details)


def _required_empty(kind: str, fields: list[Field]) -> list[str]:
    """Fields whose empty cell is an error (not a skip) in this kind."""
    names = {f.name for f in fields}
    out = [f.name for f in fields if f.required and (kind, f.name) not in _SKIP_WHEN_EMPTY]
    if kind == "transactions":
        out += ["amount"] if "amount" in names else ["quantity", "unit_price"]
    return out


def _stage_text(
    con: duckdb.DuckDBPyConnection,
    src: Source,
    kind: str,
    fields: list[Field],
    column_map: dict[str, str],
    defaults: dict[str, str],
) -> None:
    cols = [ROW]
    for f in fields:
        header = column_map.get(f.name)
        value = cv.trimmed(_q(header)) if header else "NULL"
        if f.name in defaults:
            value = f"coalesce({value}, {cv.lit(defaults[f.name])})"
        cols.append(f"{value} AS r_{f.name}")
    if kind == "customers":  # every other column is kept as a customer attribute
        used = set(column_map.values())
        others = [h for h in src.headers if h not in used]
        pairs = ", ".join(f"{cv.lit(h)}, {cv.trimmed(_q(h))}" for h in others)
        cols.append(f"CAST(json_object({pairs}) AS VARCHAR) AS attributes")
    # A view, not a table: the format checks and the conversion each read it once, and
    # materialising a million trimmed rows costs more than trimming them twice.
    con.execute(f"CREATE TEMP VIEW t0 AS SELECT {', '.join(cols)} FROM src")


def _stage_conv(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    fields: list[Field],
    column_map: dict[str, str],
    date_formats: dict[str, cv.DateFormat],
    modes: dict[str, str],
    metric_default: str | None,
) -> None:
    names = {f.name for f in fields}
    prep, typed, flags = ["*"], ["*"], []
    for f in fields:
        n, r = f.name, f"r_{f.name}"
        if f.type in ("timestamp", "date"):
            fmt = date_formats[n]
            if fmt.iso_only:
                ts = f"TRY_CAST({r} AS TIMESTAMP)"
            else:
                prep.append(f"{cv.date_struct(r, fmt)} AS d_{n}")
                ts = cv.date_parse(r, f"d_{n}", fmt)
            typed.append(f"{ts if f.type == 'timestamp' else f'CAST({ts} AS DATE)'} AS v_{n}")
        elif f.type in ("number", "score"):
            typed.append(f"{cv.number_parse(r, modes[n])} AS v_{n}")
        elif f.type == "bool":
            typed.append(f"{cv.bool_parse(r)} AS v_{n}")
        elif f.type == "metric":
            cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _METRIC_NAMES.items())
            key = f"regexp_replace(lower({r}), '[^a-z]', '', 'g')"
            typed.append(f"(CASE {key} {cases} END) AS v_{n}")
        else:
            typed.append(f"{r} AS v_{n}")
        if f.type != "text":
            flags.append(f"coalesce({r} IS NOT NULL AND v_{n} IS NULL, false) AS e_{n}")
        else:
            flags.append(f"false AS e_{n}")

    if kind == "feedback":
        metric = "v_metric" if "metric" in names else "NULL"
        typed.append(f"coalesce({metric}, {cv.lit(metric_default or 'nps')}) AS metric_")
        lo = " ".join(f"WHEN '{m}' THEN {a}" for m, (a, _b) in METRIC_SCALES.items())
        hi = " ".join(f"WHEN '{m}' THEN {b}" for m, (_a, b) in METRIC_SCALES.items())
        typed.append(f"(CASE metric_ {lo} END) AS lo_, (CASE metric_ {hi} END) AS hi_")
        # A score outside its metric's scale is as wrong as a score that is not a number.
        flags[[f.name for f in fields].index("score")] = (
            "coalesce(r_score IS NOT NULL AND (v_score IS NULL OR v_score < lo_ "
            "OR v_score > hi_), false) AS e_score"
        )
    for n in _required_empty(kind, fields):
        flags.append(f"(r_{n} IS NULL) AS e_{n}_empty")
    flags.append(f"{_skip_reason(kind, names)} AS skip")
    con.execute(
        f"CREATE TEMP TABLE conv AS SELECT *, {', '.join(flags)} FROM "
        f"(SELECT {', '.join(typed)} FROM (SELECT {', '.join(prep)} FROM t0))"
    )


def _skip_reason(kind: str, names: set[str]) -> str:
    """The cleaning rules, in order; the first that applies names the reason."""
    whens = []
    for (k, field), reason in _SKIP_WHEN_EMPTY.items():
        if k == kind:
            whens.append(f"WHEN r_{field} IS NULL THEN '{reason}'")
    if kind == "transactions":
        cancel = []
        if "transaction_id" in names:  # Online Retail style: C536379 cancels invoice 536379
            cancel.append("regexp_matches(r_transaction_id, '^[Cc][0-9]')")
        if "status" in names:
            words = ", ".join(f"'{w}'" for w in _CANCELLED)
            cancel.append(f"lower(r_status) IN ({words})")
        if cancel:
            whens.append(f"WHEN {' OR '.join(cancel)} THEN 'cancelled'")
        if "quantity" in names:
            whens.append("WHEN v_quantity <= 0 THEN 'return or zero quantity'")
    return f"(CASE {' '.join(whens)} END)" if whens else "NULL::VARCHAR"


def _collect_errors(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    fields: list[Field],
    flags: list[str],
    any_error: str,
    date_formats: dict[str, cv.DateFormat],
    column_map: dict[str, str],
) -> tuple[list[tuple[int, str, str, str]], int, int]:
    counts = con.execute(
        f"SELECT count(*), coalesce(sum({' + '.join(f'{x}::INT' for x in flags)}), 0) "
        f"FROM conv WHERE skip IS NULL AND ({any_error})"
    ).fetchone()
    n_rows, n_problems = (int(counts[0]), int(counts[1])) if counts else (0, 0)
    if not n_rows:
        return [], 0, 0
    extra = ", metric_, lo_, hi_" if kind == "feedback" else ""
    raw = ", ".join(f"r_{f.name}" for f in fields)
    rows = con.execute(
        f"SELECT {ROW}, {', '.join(flags)}, {raw}{extra} FROM conv "
        f"WHERE skip IS NULL AND ({any_error}) ORDER BY {ROW} LIMIT {MAX_ERRORS}"
    ).fetchall()
    problems: list[tuple[int, str, str, str]] = []
    for rec in rows:
        row, rest = rec[0], rec[1:]
        bits, values = (
            rest[: len(flags)],
            dict(zip([f.name for f in fields], rest[len(flags) :], strict=False)),
        )
        if kind == "feedback":
            values["metric_"], values["lo_"], values["hi_"] = rest[-3:]
        for flag, on in zip(flags, bits, strict=True):
            if not on:
                continue
            name = flag[2:].removesuffix("_empty")
            if flag.endswith("_empty"):
                problems.append((row, name, "", _EMPTY_MESSAGE.get(name, f"the {name} is empty")))
                continue
            f = next(x for x in fields if x.name == name)
            problems.append(
                (row, name, values[name], _message(f, values[name], values, date_formats))
            )
            if len(problems) >= MAX_ERRORS:
                return problems, n_problems, n_rows
    return problems, n_problems, n_rows


def _message(
    f: Field, value: str, values: dict[str, object], formats: dict[str, cv.DateFormat]
) -> str:
    if f.type in ("timestamp", "date"):
        return f'"{value}" is not a date (expected {formats[f.name].label}, as in the other rows)'
    if f.type == "number":
        return f'"{value}" is not a number (write it like 1234.56 or 1 234,56)'
    if f.type == "bool":
        return f'"{value}" is not yes or no ({cv.BOOL_HINT})'
    if f.type == "metric":
        return f'"{value}" is not a known metric; use one of {", ".join(METRIC_SCALES)}'
    if f.type == "score":
        lo, hi, metric = values["lo_"], values["hi_"], values["metric_"]
        msg = f'"{value}" is not a number from {lo} to {hi}'
        try:
            float(str(value).replace(",", "."))
        except ValueError:
            return msg
        return (
            f"{msg} (the {metric} scale); if the file uses another scale, say which metric "
            "it is (CLI: --default metric=csat)"
        )
    return f'"{value}" is not valid'


def _final(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    fields: list[Field],
    column_map: dict[str, str],
    workspace: str,
    any_error: str,
) -> tuple[pa.Table, int]:
    target = TARGET_TABLE[kind]
    names = {f.name for f in fields}
    schema = TABLES[target]
    exprs: dict[str, str] = {}
    for col, dtype in zip(schema.names, schema.types, strict=True):
        sql_type = _SQL_TYPES[str(dtype).removeprefix("!")]
        if col == "workspace":
            value = cv.lit(workspace)
        elif col == "row_key":
            continue
        elif kind == "feedback" and col in ("metric", "scale_max"):
            value = "metric_" if col == "metric" else "hi_"
        elif kind == "transactions" and col == "amount" and "amount" not in names:
            value = "v_quantity * v_unit_price"
        elif kind == "customers" and col == "attributes":
            value = "attributes"
        elif kind == "customers" and col == "churned" and "churned" not in names:
            value = "(v_churned_at IS NOT NULL)" if "churned_at" in names else "NULL"
        elif col in names:
            value = f"v_{col}"
        else:
            value = "NULL"
        exprs[col] = f"CAST({value} AS {sql_type})"
    select = ", ".join(f"{e} AS {_q(c)}" for c, e in exprs.items())
    kept = f"SELECT {ROW}, {select} FROM conv WHERE skip IS NULL AND NOT ({any_error})"
    dupes = 0
    if target in FACT_TABLES:
        hashed = [c for c in exprs if c != "workspace"]
        parts = ", ".join(f"coalesce(CAST({_q(c)} AS VARCHAR), chr(0))" for c in hashed)
        # The ordinal keeps genuinely repeated identical rows of one file apart, while the
        # same file imported twice yields the same keys. Partitioning on a 64-bit hash is
        # cheaper than on the text; a collision only shifts an ordinal, keys stay unique.
        sql = (
            f"WITH k AS (SELECT *, concat_ws(chr(31), workspace, {parts}) AS s_ FROM ({kept})) "
            f"SELECT *, md5(s_ || chr(30) || row_number() OVER "
            f"(PARTITION BY hash(s_) ORDER BY {ROW})) AS row_key FROM k"
        )
        if kind == "feedback":
            sql = f"SELECT * REPLACE (coalesce(response_id, row_key) AS response_id) FROM ({sql})"
    else:
        key = _q("customer_id" if target == "customers" else "employee_id")
        con.execute(f"CREATE TEMP TABLE kept AS {kept}")
        total = con.execute("SELECT count(*) FROM kept").fetchone()[0]  # type: ignore[index]
        last = f"row_number() OVER (PARTITION BY {key} ORDER BY {ROW} DESC) = 1"
        con.execute(f"CREATE TEMP TABLE dedup AS SELECT * FROM kept QUALIFY {last}")
        n = con.execute("SELECT count(*) FROM dedup").fetchone()[0]  # type: ignore[index]
        dupes = int(total) - int(n)
        sql = "SELECT * FROM dedup"
    cols = ", ".join(_q(c) for c in schema.names)
    arrow = con.execute(f"SELECT {cols} FROM ({sql}) ORDER BY {ROW}").to_arrow_table()
    return arrow.cast(schema.to_pyarrow()), dupes


def _empty(kind: str) -> pa.Table:
    return TABLES[TARGET_TABLE[kind]].to_pyarrow().empty_table()
