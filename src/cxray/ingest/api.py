"""Read a file into a canonical table (:func:`parse_file`) and store it (:func:`import_file`).

A file is accepted whole or not at all: any row error rejects it and nothing is written.
Re-importing a file stores nothing new: fact rows carry a content ``row_key``, entities
(customers, employees) are upserts by id.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb

from cxray.analytics.schema import ENTITY_KEYS, FACT_TABLES, METRIC_SCALES
from cxray.analytics.store import AnalyticsStore
from cxray.errors import InvalidInputError
from cxray.ingest import headers as hdr
from cxray.ingest import pipeline, readers
from cxray.ingest.fields import FIELDS, KINDS, TARGET_TABLE
from cxray.ingest.model import ImportRejected, ImportResult, ParsedFile, RowError

Progress = Callable[[int, int], None]

_FIELD_HELP = {
    "customer_id": "the customer's id or code",
    "at": "the date of the event",
    "score": "the score the customer gave",
    "employee_id": "the employee's id or personnel number",
}


def parse_file(
    kind: str,
    path: str | os.PathLike[str],
    *,
    workspace: str,
    mapping: dict[str, str] | None = None,
    date_order: str | None = None,
    defaults: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> ParsedFile:
    """Read, recognise, validate and convert one file; store nothing.

    ``mapping`` (canonical field → source header) overrides header recognition;
    ``date_order`` ("DMY", "MDY" or "YMD") settles slash dates that fit both orders;
    ``defaults`` gives values for fields the file lacks (e.g. ``{"metric": "csat"}``).
    ``progress(done, total)`` is called in rows, a few times (the work is done in bulk).
    """
    if kind not in KINDS:
        raise InvalidInputError(f"unknown import kind {kind!r}; choose one of {', '.join(KINDS)}")
    if not workspace:
        raise InvalidInputError("a workspace is required to import a file")
    if date_order is not None:
        date_order = date_order.upper()
    p = Path(path)
    defaults = dict(defaults or {})
    unknown = set(defaults) - {f.name for f in FIELDS[kind]}
    if unknown:
        raise InvalidInputError(
            f"defaults name {', '.join(sorted(unknown))}, which a {kind} file does not have; "
            f"fields: {', '.join(f.name for f in FIELDS[kind])}"
        )
    con = duckdb.connect()
    with readers.tempdir() as tmp:
        try:
            src = readers.load(con, p, tmp)
            if progress:
                progress(0, src.n_rows)
            parsed = _parse_loaded(con, src, kind, p.name, workspace, mapping, date_order, defaults)
        finally:
            con.close()
    if progress:
        progress(src.n_rows, src.n_rows)
    return parsed


def _parse_loaded(
    con: duckdb.DuckDBPyConnection,
    src: readers.Source,
    kind: str,
    file: str,
    workspace: str,
    mapping: dict[str, str] | None,
    date_order: str | None,
    defaults: dict[str, str],
) -> ParsedFile:
    column_map, problems = hdr.recognise(kind, src.headers, mapping)
    warnings: list[str] = []
    details: dict[str, object] = {
        "encoding": src.encoding,
        "delimiter": src.delimiter,
        "source_headers": list(src.headers),
    }

    missing = [
        f.name
        for f in FIELDS[kind]
        if f.required and f.name not in column_map and f.name not in defaults
    ]
    if (
        kind == "transactions"
        and "amount" not in column_map
        and not ("quantity" in column_map and "unit_price" in column_map)
    ):
        missing.append("amount")
    found = ", ".join(f'"{h}"' for h in src.headers)
    example = src.headers[0] if src.headers else "column"
    for name in missing:
        what = _FIELD_HELP.get(name, name.replace("_", " "))
        if name == "amount":
            what = "the amount, or quantity and unit price to compute it"
        problems.append(
            f"no column for {name} ({what}) was recognised; columns found: {found}. "
            f'Say which column holds it: --map {name}="{example}" on the command line, '
            f'or mapping={{"{name}": "{example}"}}'
        )
    if problems:
        errors = [RowError(file, None, "", "", msg) for msg in problems]
        return _parsed(
            kind, file, pipeline._empty(kind), errors, {}, warnings, column_map, src, 0, details
        )

    metric_default = defaults.get("metric")
    if kind == "feedback" and "metric" not in column_map and not metric_default:
        metric_default = _metric_from_header(column_map["score"])
        if metric_default == "nps":
            warnings.append(
                "no metric column: scores are read as NPS (0–10); if they are CSAT (1–5), "
                'CES (1–7) or eNPS, say so with defaults={"metric": "csat"} '
                "(CLI: --default metric=csat)"
            )
    if metric_default and metric_default not in METRIC_SCALES:
        raise InvalidInputError(
            f"unknown metric {metric_default!r}; use one of {', '.join(METRIC_SCALES)}"
        )
    if kind == "feedback" and "at" not in column_map:
        warnings.append("no date column: responses are stored without a date")

    checked = pipeline.run(
        con, src, kind, column_map, workspace, date_order, defaults, metric_default
    )
    details.update(checked.details)
    details["n_problems"] = checked.n_problems
    errors = [
        RowError(file, row or None, column_map.get(field, field), value, msg)
        for row, field, value, msg in checked.problems
    ]
    if kind != "customers":  # customers keep every other column as attributes
        ignored = [h for h in src.headers if h not in column_map.values()]
        if ignored:
            warnings.append("columns not imported: " + ", ".join(f'"{h}"' for h in ignored))
    warnings += checked.warnings
    return _parsed(
        kind, file, checked.table, errors, checked.skipped, warnings, column_map, src,
        checked.n_error_rows, details,
    )  # fmt: skip


def _metric_from_header(header: str) -> str:
    """A score column named "CSAT" or "CES score" says its metric; otherwise NPS."""
    norm = hdr.normalise(header)
    for prefix, metric in (("enps", "enps"), ("csat", "csat"), ("ces", "ces")):
        if norm.startswith(prefix):
            return metric
    return "nps"


def _parsed(
    kind: str,
    file: str,
    table: object,
    errors: list[RowError],
    skipped: dict[str, int],
    warnings: list[str],
    column_map: dict[str, str],
    src: readers.Source,
    n_error_rows: int,
    details: dict[str, object],
) -> ParsedFile:
    return ParsedFile(
        kind=kind,
        file=file,
        table=table,  # type: ignore[arg-type]
        errors=errors,
        skipped=skipped,
        warnings=warnings,
        column_map=column_map,
        n_rows=src.n_rows,
        n_error_rows=n_error_rows,
        source_format=src.format,
        details=details,
    )


def import_file(
    store: AnalyticsStore,
    kind: str,
    path: str | os.PathLike[str],
    *,
    workspace: str,
    mapping: dict[str, str] | None = None,
    date_order: str | None = None,
    defaults: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Parse ``path`` and store it in one transaction, or raise :class:`ImportRejected`.

    With ``dry_run`` the file is parsed and checked and the result says how many rows would
    be new and how many are already stored, but nothing is written.
    """
    parsed = parse_file(
        kind, path, workspace=workspace, mapping=mapping, date_order=date_order,
        defaults=defaults, progress=progress,
    )  # fmt: skip
    return store_parsed(store, parsed, dry_run=dry_run)


def store_parsed(
    store: AnalyticsStore, parsed: ParsedFile, *, dry_run: bool = False
) -> ImportResult:
    """Store an already parsed file (the web app parses, shows a preview, then stores)."""
    if parsed.errors:
        raise ImportRejected(parsed)
    target = TARGET_TABLE[parsed.kind]
    rows = parsed.table.num_rows
    if dry_run:
        stored = _would_store(store, target, parsed)
    else:
        with store.transaction():
            stored = store.write(target, parsed.table)
    return ImportResult(
        kind=parsed.kind,
        n_rows=parsed.n_rows,
        stored=stored,
        unchanged=rows - stored,
        skipped=dict(parsed.skipped),
        warnings=list(parsed.warnings),
        dry_run=dry_run,
        column_map=dict(parsed.column_map),
        table=target,
    )


def _would_store(store: AnalyticsStore, target: str, parsed: ParsedFile) -> int:
    """How many rows a write would store, without storing them."""
    if parsed.table.num_rows == 0:
        return 0
    if store.is_duckdb:
        # The exact figure: do the write and roll it back.
        store.raw.execute("BEGIN TRANSACTION")
        try:
            return store.write(target, parsed.table)
        finally:
            store.raw.execute("ROLLBACK")
    key = "row_key" if target in FACT_TABLES else ENTITY_KEYS[target]  # pragma: no cover
    workspace = parsed.table.column("workspace")[0].as_py()  # pragma: no cover
    stored = store.table(target, workspace).select(key).to_pyarrow().column(0)  # pragma: no cover
    present = set(stored.to_pylist())  # pragma: no cover
    return sum(k not in present for k in parsed.table.column(key).to_pylist())  # pragma: no cover
