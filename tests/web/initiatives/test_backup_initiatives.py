"""Initiatives and their plans survive a backup and a restore into a fresh data directory."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cxray.web import analytics_store
from cxray.web.initiatives.models import Initiative
from cxray.web.initiatives.services import action_item_add, action_item_set_done, initiative_create
from cxray.web.workspaces.backup import backup_create, backup_restore
from cxray.web.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def test_backup_and_restore(two_companies, tmp_path, settings):
    a, _b = two_companies
    i = initiative_create(
        workspace=a["ws"],
        title="Shorter queues",
        owner=a["admin"],
        owner_unit=a["dept"],
        touchpoint_codes=["alpha-tp"],
        themes=["waiting"],
        treated_units=["alpha-br"],
        started=date(2026, 1, 1),
        expected_effect=Decimal("1000.50"),
    )
    item = action_item_add(initiative=i, task="Second desk", employee=a["alice"])
    action_item_set_done(item=item, done=True)
    path = tmp_path / "alpha.cxray"
    backup_create(path=path, slugs=["alpha"])
    Workspace.objects.all().delete()
    analytics_store.close()
    settings.ANALYTICS_URL = f"duckdb://{tmp_path / 'fresh.duckdb'}"
    backup_restore(path=path)
    r = Initiative.objects.get(workspace__slug="alpha")
    assert (r.title, r.owner.username, r.owner_unit.code) == (
        "Shorter queues",
        "alpha-admin",
        "alpha-dep",
    )
    assert [t.code for t in r.touchpoints.all()] == ["alpha-tp"]
    assert [u.code for u in r.treated_units.all()] == ["alpha-br"]
    assert r.expected_effect == Decimal("1000.50") and r.started == date(2026, 1, 1)
    (it,) = r.items.all()
    assert it.task == "Second desk" and it.done and it.employee.code == "alpha-e1"
