from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from cxray.errors import InvalidInputError
from cxray.ingest import ImportRejected, parse_file, store_parsed
from cxray.web.analytics_store import analytics
from cxray.web.dashboards.text_analysis import analyse_new_texts
from cxray.web.imports.models import ImportKind, ImportRun, ImportStatus
from cxray.web.people.services import employees_upsert
from cxray.web.workspaces.models import Workspace

MAX_LOGGED_ERRORS = 500


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_run(
    *,
    workspace: Workspace,
    kind: str,
    path: Path,
    file_name: str | None = None,
    user: AbstractBaseUser | None = None,
    mapping: dict[str, str] | None = None,
    date_order: str | None = None,
    defaults: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    analyse_text: str | None = None,
    open_cases_days: int | None = None,
) -> ImportRun:
    """Import one file into the workspace; the run is logged whether it is stored or rejected.

    A rejected file stores nothing (the log entry lists every error) and raises
    :class:`cxray.ingest.ImportRejected` after the log entry is saved. New comments are
    then analysed ``analyse_text`` = "now", "background" or "off" (default: the
    ``CXRAY_TEXT_ANALYSIS`` setting).

    ``open_cases_days`` (feedback only): the answers of the last N days open cases as live
    answers do (cxray.web.cases.imported); ``run.cases`` then holds the counts.
    """
    if kind not in ImportKind.values:
        raise InvalidInputError(
            f"cannot import {kind!r}: choose one of {', '.join(ImportKind.values)}"
        )
    from cxray.web.cases.imported import cases_open_for_import, open_cases_days_clean

    open_cases_days = open_cases_days_clean(open_cases_days)
    if open_cases_days and kind != ImportKind.FEEDBACK:
        raise InvalidInputError(
            _("only feedback opens cases: leave open cases days blank for %(kind)s")
            % {"kind": kind}
        )
    parsed = None
    run = ImportRun(
        workspace=workspace,
        kind=kind,
        file_name=file_name or path.name,
        sha256=file_sha256(path),
        created_by=user,
    )
    options = {
        "workspace": workspace.slug,
        "mapping": mapping,
        "date_order": date_order,
        "defaults": defaults,
        "progress": progress,
    }
    started = time.perf_counter()
    try:
        if kind == ImportKind.EMPLOYEES:
            _import_employees(run, path, dry_run=dry_run, **options)
        else:
            # Parsed here rather than in import_file: the case check below reads the rows.
            parsed = parse_file(kind, path, **options)
            with analytics() as store:
                result = store_parsed(store, parsed, dry_run=dry_run)
            run.n_rows, run.stored, run.unchanged = result.n_rows, result.stored, result.unchanged
            run.skipped, run.warnings = dict(result.skipped), list(result.warnings)
            run.column_map = dict(result.column_map)
        run.status = ImportStatus.DRY_RUN if dry_run else ImportStatus.DONE
    except ImportRejected as rejected:
        parsed = rejected.parsed
        run.status = ImportStatus.REJECTED
        run.n_rows = parsed.n_rows if parsed else 0
        run.errors = [_error_dict(e) for e in (parsed.errors if parsed else [])][:MAX_LOGGED_ERRORS]
        if not run.errors:
            run.errors = [{"message": str(rejected)}]
        run.duration_s = time.perf_counter() - started
        run.save()
        raise
    run.duration_s = time.perf_counter() - started
    run.save()
    run.cases = None
    if open_cases_days and parsed is not None and not dry_run:
        run.cases = cases_open_for_import(
            workspace=workspace, table=parsed.table, days=open_cases_days, import_run=run
        ).as_dict()
    if kind == ImportKind.FEEDBACK and run.stored and not dry_run:
        analyse_new_texts(workspace_slug=workspace.slug, how=analyse_text)
    return run


def _import_employees(
    run: ImportRun, path: Path, *, dry_run: bool, workspace: str, **options
) -> None:
    parsed = parse_file("employees", path, workspace=workspace, **options)
    if parsed.errors:
        raise ImportRejected(parsed)
    run.n_rows = parsed.n_rows
    run.skipped, run.warnings = dict(parsed.skipped), list(parsed.warnings)
    run.column_map = dict(parsed.column_map)
    if dry_run:
        run.stored = parsed.table.num_rows
        return
    with transaction.atomic():
        result = employees_upsert(workspace=run.workspace, rows=parsed.table)
    run.stored = result.created + result.updated
    run.unchanged = parsed.table.num_rows - run.stored
    if result.units_created:
        run.warnings.append("units created: " + ", ".join(result.units_created))


def _error_dict(error: object) -> dict[str, object]:
    return {k: getattr(error, k, None) for k in ("file", "row", "column", "value", "message")}
