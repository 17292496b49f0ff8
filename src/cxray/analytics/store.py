"""The analytics store: the canonical tables on one Ibis engine, partitioned by workspace.

Writes are bulk and idempotent: fact rows whose ``row_key`` is already stored are skipped,
entity rows replace the stored row with the same key. On DuckDB a write is one transaction,
so a failed write leaves nothing half-stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ibis
import pyarrow as pa

from cxray.analytics.engine import connect
from cxray.analytics.schema import ENTITY_KEYS, FACT_TABLES, TABLES, columns
from cxray.errors import InvalidInputError


class AnalyticsStore:
    """The canonical tables behind one analytics URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.con = connect(url)
        self._ensure_tables()

    # --- reads -----------------------------------------------------------------------------
    def table(self, name: str, workspace: str) -> ibis.Table:
        """One canonical table, restricted to one workspace: the only way analytics read."""
        if name not in TABLES:
            raise InvalidInputError(f"unknown analytic table {name!r}; known: {sorted(TABLES)}")
        t = self.con.table(name)
        return t.filter(t.workspace == workspace)

    def count(self, name: str, workspace: str) -> int:
        return int(self.table(name, workspace).count().execute())

    def to_arrow(self, name: str, workspace: str) -> pa.Table:
        return self.table(name, workspace).to_pyarrow()

    # --- writes ----------------------------------------------------------------------------
    @property
    def is_duckdb(self) -> bool:
        return self.con.name == "duckdb"

    @property
    def raw(self) -> Any:
        """The DuckDB connection underneath, for bulk SQL. Only on DuckDB."""
        return self.con.con

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside happen together or not at all (DuckDB); elsewhere, best effort."""
        if not self.is_duckdb:
            yield
            return
        self.raw.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise
        self.raw.execute("COMMIT")

    def write(self, name: str, rows: pa.Table) -> int:
        """Store ``rows`` (all canonical columns) and return how many were new or changed."""
        rows = rows.select(columns(name)).cast(TABLES[name].to_pyarrow())
        if rows.num_rows == 0:
            return 0
        if self.is_duckdb:
            return self._write_duckdb(name, rows)
        return self._write_generic(name, rows)

    def replace_workspace(self, name: str, workspace: str, rows: pa.Table) -> None:
        """Replace every row of one workspace in ``name`` (used for mirrored entities)."""
        rows = rows.select(columns(name)).cast(TABLES[name].to_pyarrow())
        if self.is_duckdb:
            self.raw.execute(f'DELETE FROM "{name}" WHERE workspace = ?', [workspace])
            if rows.num_rows:
                self.raw.register("_incoming", rows)
                try:
                    self.raw.execute(f'INSERT INTO "{name}" SELECT * FROM _incoming')
                finally:
                    self.raw.unregister("_incoming")
            return
        self.con.delete(name, self.con.table(name).workspace == workspace)  # pragma: no cover
        self.con.insert(name, rows)  # pragma: no cover

    def delete_workspace(self, workspace: str) -> None:
        for name in TABLES:
            if self.is_duckdb:
                self.raw.execute(f'DELETE FROM "{name}" WHERE workspace = ?', [workspace])
            else:  # pragma: no cover
                self.con.delete(name, self.con.table(name).workspace == workspace)

    # --- internals -------------------------------------------------------------------------
    def _ensure_tables(self) -> None:
        existing = set(self.con.list_tables())
        for name, schema in TABLES.items():
            if name not in existing:
                self.con.create_table(name, schema=schema)

    def _write_duckdb(self, name: str, rows: pa.Table) -> int:
        con = self.raw
        con.register("_incoming", rows)
        try:
            if name in FACT_TABLES:
                # Anti-join on (workspace, row_key): a re-import inserts nothing. Row keys are
                # unique within one write (the importer numbers identical rows), so no
                # DISTINCT pass is needed; DuckDB returns the inserted count itself.
                inserted = con.execute(
                    f'INSERT INTO "{name}" SELECT i.* FROM _incoming i ANTI JOIN "{name}" s '
                    "ON s.workspace = i.workspace AND s.row_key = i.row_key"
                ).fetchone()[0]
                return int(inserted)
            key = ENTITY_KEYS[name]
            changed = con.execute(
                f'SELECT count(*) FROM (SELECT * FROM _incoming EXCEPT SELECT * FROM "{name}")'
            ).fetchone()[0]
            con.execute(
                f'DELETE FROM "{name}" s USING _incoming i '
                f"WHERE s.workspace = i.workspace AND s.{key} = i.{key}"
            )
            con.execute(f'INSERT INTO "{name}" SELECT * FROM _incoming')
            return int(changed)
        finally:
            con.unregister("_incoming")

    def _write_generic(self, name: str, rows: pa.Table) -> int:  # pragma: no cover
        # Other engines: small batches only; bulk loads at scale go through the warehouse's
        # own loader. Dedupe in memory against the stored keys of the same workspace.
        key = "row_key" if name in FACT_TABLES else ENTITY_KEYS[name]
        workspaces = set(rows.column("workspace").to_pylist())
        t = self.con.table(name)
        stored = set(
            t.filter(t.workspace.isin(list(workspaces)))
            .select(key)
            .to_pyarrow()
            .column(0)
            .to_pylist()
        )
        incoming = rows.to_pandas()
        new = incoming[~incoming[key].isin(stored)].drop_duplicates(["workspace", key])
        if len(new):
            self.con.insert(name, pa.Table.from_pandas(new, preserve_index=False))
        return len(new)
