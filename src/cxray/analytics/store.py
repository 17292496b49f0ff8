"""The analytics store: the canonical tables on one Ibis engine, partitioned by workspace.

Writes are bulk and idempotent: fact rows whose ``row_key`` is already stored are skipped,
entity rows replace the stored row with the same key. On DuckDB a write is one transaction,
so a failed write leaves nothing half-stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ibis
import pyarrow as pa

from cxray.analytics.engine import connect
from cxray.analytics.schema import ENTITY_KEYS, FACT_TABLES, TABLES, columns
from cxray.errors import InvalidInputError

_VERSIONS = "_cx_versions"  # a version per workspace, for derived tables such as the rollup


class AnalyticsStore:
    """The canonical tables behind one analytics URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.con = connect(url)
        # A DuckDB file has one writing process, this one, so every change of a version goes
        # through mark_changed and the versions can be kept here: every page asks for one.
        self._versions: dict[str, int] = {}
        self._ensure_tables()

    # --- reads -----------------------------------------------------------------------------
    def table(self, name: str, workspace: str) -> ibis.Table:
        """One canonical table, restricted to one workspace: the only way analytics read."""
        if name not in TABLES:
            raise InvalidInputError(f"unknown analytic table {name!r}; known: {sorted(TABLES)}")
        t = self.con.table(name)
        return t.filter(t.workspace == workspace)

    def version(self, workspace: str) -> int:
        """A token that changes whenever this workspace's data changes (0 before any write):
        derived tables and caches compare it. Random rather than a counter, so that two store
        files (a restored copy, a test's fresh file) never share a version by chance."""
        if not self.is_duckdb:
            return 0
        if workspace not in self._versions:
            row = self.raw.execute(
                f"SELECT version FROM {_VERSIONS} WHERE workspace = ?", [workspace]
            ).fetchone()
            self._versions[workspace] = int(row[0]) if row else 0
        return self._versions[workspace]

    def mark_changed(self, workspace: str) -> None:
        """Record a change of ``workspace``'s data made outside :meth:`write` and friends."""
        if self.is_duckdb:
            version = secrets.randbits(62) + 1
            self.raw.execute(
                f"INSERT INTO {_VERSIONS} VALUES (?, ?) "
                "ON CONFLICT (workspace) DO UPDATE SET version = excluded.version",
                [workspace, version],
            )
            # Also after a rolled-back change: a version only has to differ from the last.
            self._versions[workspace] = version

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
        if not self.is_duckdb:
            return self._write_generic(name, rows)
        changed = self._write_duckdb(name, rows)
        if changed:
            import pyarrow.compute as pc

            for workspace in pc.unique(rows["workspace"]).to_pylist():
                self.mark_changed(workspace)
        return changed

    def replace_workspace(self, name: str, workspace: str, rows: pa.Table) -> None:
        """Replace every row of one workspace in ``name`` (used for mirrored entities)."""
        rows = rows.select(columns(name)).cast(TABLES[name].to_pyarrow())
        if self.is_duckdb:
            self.mark_changed(workspace)
            self.raw.execute(f'DELETE FROM "{name}" WHERE workspace = ?', [workspace])
            if rows.num_rows:
                self.raw.register("_incoming", rows)
                try:
                    self.raw.execute(f'INSERT INTO "{name}" SELECT * FROM _incoming')
                finally:
                    self.raw.unregister("_incoming")
            return
        self._delete_generic(name, workspace)
        if rows.num_rows:
            self.con.insert(name, rows)

    def delete_workspace(self, workspace: str) -> None:
        self.mark_changed(workspace)
        for name in TABLES:
            if self.is_duckdb:
                self.raw.execute(f'DELETE FROM "{name}" WHERE workspace = ?', [workspace])
            else:
                self._delete_generic(name, workspace)

    # --- internals -------------------------------------------------------------------------
    def _ensure_tables(self) -> None:
        existing = set(self.con.list_tables())
        for name, schema in TABLES.items():
            if name not in existing:
                self.con.create_table(name, schema=schema)
        if self.is_duckdb:
            self.raw.execute(
                f"CREATE TABLE IF NOT EXISTS {_VERSIONS} "
                "(workspace VARCHAR PRIMARY KEY, version BIGINT NOT NULL)"
            )

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

    def _delete_generic(self, name: str, workspace: str) -> None:
        # Ibis has no DELETE; every SQL backend takes raw SQL. The slug is validated by the
        # app (letters, digits, '-', '_'), and quotes are doubled all the same.
        literal = workspace.replace("'", "''")
        self.con.raw_sql(f"DELETE FROM {name} WHERE workspace = '{literal}'")

    def _write_generic(self, name: str, rows: pa.Table) -> int:
        # Other engines: moderate batches (bulk loads at scale go through the warehouse's own
        # loader). Facts: insert the rows whose key is not stored yet. Entities: merge with
        # the stored rows of the workspace and replace them.
        import pyarrow.compute as pc

        key = "row_key" if name in FACT_TABLES else ENTITY_KEYS[name]
        arrow_schema = TABLES[name].to_pyarrow()
        changed = 0
        for workspace in pc.unique(rows["workspace"]).to_pylist():
            batch = rows.filter(pc.equal(rows["workspace"], workspace))
            stored = self.to_arrow(name, workspace).cast(arrow_schema)
            if name in FACT_TABLES:
                new = batch.filter(pc.invert(pc.is_in(batch[key], stored[key])))
                if new.num_rows:
                    self.con.insert(name, new)
                changed += new.num_rows
                continue
            kept = stored.filter(pc.invert(pc.is_in(stored[key], batch[key])))
            old = {r[key]: r for r in stored.to_pylist()}
            changed += sum(old.get(r[key]) != r for r in batch.to_pylist())
            self.replace_workspace(name, workspace, pa.concat_tables([kept, batch]))
        return changed
