"""Back up workspaces (app database rows and analytics tables) to one zip file, and restore.

The app rows are serialised with natural keys (workspace slug, unit code, user name), so a
backup restores into any install, empty or not, without primary-key clashes.

A restore writes two stores, and no transaction spans both: a process killed between the
analytics commit and the app commit would leave one restored and the other not. So before
its first write a restore leaves a journal in the data directory naming the backup file, and
removes it after the last commit. While the journal is there the restore is unfinished, and
:func:`restore_resume` (run by every ``cxray`` command at start) runs it again in full.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.db import transaction

import cxray
from cxray import paths
from cxray.analytics.schema import TABLES
from cxray.errors import CxrayError, InvalidInputError
from cxray.web.accounts.models import ApiToken, Membership
from cxray.web.analytics_store import analytics
from cxray.web.imports.models import ImportRun
from cxray.web.initiatives.backup import initiatives_dump, initiatives_load
from cxray.web.journeys.backup import journeys_dump, journeys_load
from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import UNIT_KIND_DEPTH, Employee, Unit
from cxray.web.workspaces.models import Workspace

FORMAT = "cxray-backup-1"


def backup_create(*, path: Path, slugs: list[str] | None = None) -> list[str]:
    """Write the named workspaces (all when None) to ``path``; return the slugs written."""
    workspaces = list(
        Workspace.objects.filter(slug__in=slugs) if slugs else Workspace.objects.all()
    )
    missing = set(slugs or []) - {w.slug for w in workspaces}
    if missing:
        raise InvalidInputError(f"no such workspace: {', '.join(sorted(missing))}")
    objects: list = []
    users = get_user_model().objects.filter(memberships__workspace__in=workspaces).distinct()
    objects += list(users)
    objects += workspaces
    units = list(
        Unit.objects.filter(workspace__in=workspaces).select_related("workspace", "parent")
    )
    # Parents before children, so natural foreign keys resolve while loading.
    objects += sorted(units, key=lambda u: UNIT_KIND_DEPTH[u.kind])
    for model in (Employee, Touchpoint, Membership):
        objects += list(model.objects.filter(workspace__in=workspaces))
    app_json = serializers.serialize(
        "json", objects, use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    runs = serializers.serialize(
        "json", ImportRun.objects.filter(workspace__in=workspaces), use_natural_foreign_keys=True
    )
    manifest = {
        "format": FORMAT,
        "cxray": cxray.__version__,
        "created": datetime.now(UTC).isoformat(),
        "workspaces": [w.slug for w in workspaces],
    }
    tmp = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf, analytics() as store:
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
        zf.writestr("app.json", app_json)
        zf.writestr("imports.json", runs)
        zf.writestr("journeys.json", journeys_dump(workspaces))
        zf.writestr("initiatives.json", initiatives_dump(workspaces))
        for name in TABLES:
            t = store.con.table(name)
            arrow = t.filter(t.workspace.isin(manifest["workspaces"])).to_pyarrow()
            buffer = io.BytesIO()
            pq.write_table(arrow, buffer)
            zf.writestr(f"analytics/{name}.parquet", buffer.getvalue())
    tmp.replace(path)  # a half-written backup never carries the final name
    return manifest["workspaces"]


def backup_restore(*, path: Path, replace: bool = False) -> list[str]:
    """Restore every workspace in the backup; existing ones only with ``replace``."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, FileNotFoundError) as exc:
        raise InvalidInputError(f"{path} is not a cxray backup ({exc})") from exc
    with zf:
        manifest = json.loads(zf.read("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise InvalidInputError(f"{path} has format {manifest.get('format')!r}, not {FORMAT}")
        slugs: list[str] = manifest["workspaces"]
        clash = list(Workspace.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        if clash and not replace:
            raise InvalidInputError(
                f"workspace(s) {', '.join(clash)} already exist; restore with --replace to "
                "overwrite them, or restore into another data directory"
            )
        stored = set(zf.namelist())
        tables = {  # a table newer than the backup is simply empty in it
            name: pq.read_table(io.BytesIO(zf.read(f"analytics/{name}.parquet")))
            for name in TABLES
            if f"analytics/{name}.parquet" in stored
        }
        journal = paths.restore_journal_path(settings.DATA_DIR)
        _write_synced(journal, json.dumps({"backup": str(path.resolve()), "workspaces": slugs}))
        analytics_committed = False
        try:
            existing_users = set(get_user_model().objects.values_list("username", flat=True))
            with transaction.atomic():
                Workspace.objects.filter(slug__in=slugs).delete()
                for obj in serializers.deserialize(
                    "json", zf.read("app.json"), handle_forward_references=True
                ):
                    user = obj.object._meta.model_name == "user"
                    if user and obj.object.username in existing_users:
                        continue  # keep the local account and its password
                    obj.save()
                for obj in serializers.deserialize("json", zf.read("imports.json")):
                    obj.object.pk = None
                    obj.save()
                if "journeys.json" in zf.namelist():  # backups from before journey maps lack it
                    journeys_load(zf.read("journeys.json").decode("utf-8"))
                if "initiatives.json" in zf.namelist():  # backups from before initiatives lack it
                    initiatives_load(zf.read("initiatives.json").decode("utf-8"))
                ApiToken.objects.filter(workspace__slug__in=slugs).delete()
                with analytics() as store, store.transaction():
                    for slug in slugs:
                        store.delete_workspace(slug)
                    for name, table in tables.items():
                        if table.num_rows:
                            store.write(name, table)
                analytics_committed = True
        except BaseException:
            # Nothing committed: the stores are as they were, and there is nothing to finish.
            # Committed in the analytics store only: the journal stays, the next command
            # finishes the restore.
            if not analytics_committed:
                journal.unlink(missing_ok=True)
            raise
    journal.unlink()
    return slugs


def restore_resume() -> list[str]:
    """Finish a restore that was killed while writing; return its workspaces (none pending: [])."""
    journal = paths.restore_journal_path(settings.DATA_DIR)
    if not journal.exists():
        return []
    pending = json.loads(journal.read_text(encoding="utf-8"))
    backup = Path(pending["backup"])
    if not backup.is_file():
        raise CxrayError(
            f"a restore of {', '.join(pending['workspaces'])} from {backup} was interrupted and "
            "that file is gone, so these workspaces may be half restored: run `cxray restore "
            f"FILE --replace` with a copy of the backup, or delete {journal} to keep them as "
            "they are"
        )
    # --replace: the workspaces the interrupted run may have written are its own.
    return backup_restore(path=backup, replace=True)


def _write_synced(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all, and on disk before anything else is written."""
    tmp = path.with_name(path.name + ".partial")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
