from __future__ import annotations

import pytest

from cxray.web import analytics_store
from cxray.web.accounts.scope import Scope
from cxray.web.dashboards.selectors import score_report
from cxray.web.people.models import Employee, Unit
from cxray.web.workspaces.backup import backup_create, backup_restore
from cxray.web.workspaces.models import Workspace

pytestmark = pytest.mark.django_db(transaction=True)


def figures(slug: str) -> dict:
    ws = Workspace.objects.get(slug=slug)
    by_unit = score_report(workspace=ws, scope=Scope(), metric="nps", by="unit")
    return {
        "nps": score_report(workspace=ws, scope=Scope(), metric="nps")[None],
        "by_unit": by_unit,
        "units": sorted(Unit.objects.filter(workspace=ws).values_list("code", "parent__code")),
        "employees": sorted(
            Employee.objects.filter(workspace=ws).values_list("code", "unit__code")
        ),
    }


def test_restore_into_a_fresh_store_gives_identical_figures(two_companies, tmp_path, settings):
    before = figures("alpha")
    path = tmp_path / "alpha.cxray"
    assert backup_create(path=path, slugs=["alpha"]) == ["alpha"]

    # A fresh data directory: empty analytics store, and the app rows gone.
    Workspace.objects.all().delete()
    analytics_store.close()
    settings.ANALYTICS_URL = f"duckdb://{tmp_path / 'fresh.duckdb'}"

    assert backup_restore(path=path) == ["alpha"]
    assert figures("alpha") == before
    assert not Workspace.objects.filter(slug="beta").exists()


def test_restore_refuses_to_overwrite_without_replace(two_companies, tmp_path):
    from cxray.errors import InvalidInputError

    path = tmp_path / "all.cxray"
    backup_create(path=path)
    with pytest.raises(InvalidInputError, match="--replace"):
        backup_restore(path=path)
    assert backup_restore(path=path, replace=True) == ["alpha", "beta"]
    assert figures("beta")["nps"].n == 6


def test_a_file_that_is_not_a_backup_is_refused(tmp_path, db):
    from cxray.errors import InvalidInputError

    path = tmp_path / "x.zip"
    path.write_text("not a zip")
    with pytest.raises(InvalidInputError, match="not a cxray backup"):
        backup_restore(path=path)


def test_a_backup_made_before_a_table_existed_restores(two_companies, tmp_path):
    import zipfile

    before = figures("alpha")
    path = tmp_path / "alpha.cxray"
    backup_create(path=path, slugs=["alpha"])
    # The same backup without one analytics table, as an older version would have written it.
    old = tmp_path / "old.cxray"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(old, "w") as dst:
        for item in src.infolist():
            if item.filename != "analytics/response_texts.parquet":
                dst.writestr(item, src.read(item.filename))
    assert backup_restore(path=old, replace=True) == ["alpha"]
    assert figures("alpha") == before
