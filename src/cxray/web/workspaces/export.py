"""Export a workspace as one zip of CSV files (one per table), safe to open in Excel."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from cxray.analytics.schema import TABLES
from cxray.web.analytics_store import analytics
from cxray.web.workspaces.models import Workspace

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would execute as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_zip_bytes(*, workspace: Workspace) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf, analytics() as store:
        for name in TABLES:
            table = _export_table(store, name, workspace.slug).drop_columns(["workspace"])
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(table.column_names)
            for row in table.to_pylist():
                writer.writerow([neutralise(v) for v in row.values()])
            # UTF-8 with BOM: Excel then shows Cyrillic correctly.
            zf.writestr(f"{name}.csv", "\ufeff" + text.getvalue())
    return buffer.getvalue()


def _export_table(store, name: str, slug: str):
    """The table as stored, except employees' answers: only as protected cells (anonymity)."""
    if name != "responses":
        return store.to_arrow(name, slug)
    from cxray.web.accounts.scope import Scope
    from cxray.web.dashboards.selectors import ScopedStore

    return ScopedStore(store, Scope()).table(name, slug).to_pyarrow()


def export_zip(*, workspace: Workspace, path: Path) -> Path:
    path.write_bytes(export_zip_bytes(workspace=workspace))
    return path
