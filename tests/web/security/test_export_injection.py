"""CSV injection: whatever an imported file carried, the export never hands a spreadsheet a
formula to run (cells beginning with = + - @ tab or CR are prefixed with a quote)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxray.ingest import import_file
from cxray.web.analytics_store import analytics
from cxray.web.workspaces.export import FORMULA_STARTS, export_zip_bytes
from cxray.web.workspaces.services import workspace_create

pytestmark = pytest.mark.django_db

FORMULA = st.builds(
    lambda start, rest: start + rest,
    st.sampled_from(["=", "+", "-", "@"]),
    st.text(
        alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters='",;'),
        max_size=30,
    ),
)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(names=st.lists(FORMULA, min_size=1, max_size=5), segment=FORMULA)
def test_exported_cells_never_start_a_formula(names, segment, tmp_path):
    from cxray.web.workspaces.models import Workspace

    ws = Workspace.objects.filter(slug="inj").first() or workspace_create(slug="inj", name="Inj")
    path = tmp_path / "customers.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["customer_id", "name", "segment", "email"])
        for i, name in enumerate(names):
            writer.writerow([f"=c{i}", name, segment, "@evil"])
    with analytics() as store:
        store.delete_workspace("inj")
        import_file(store, "customers", path, workspace="inj")
    archive = zipfile.ZipFile(io.BytesIO(export_zip_bytes(workspace=ws)))
    text = archive.read("customers.csv").decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert any(c.startswith("'=c") for c in cells)  # the ids were there, neutralised
    dangerous = [c for c in cells if c.startswith(FORMULA_STARTS) and not _is_number(c)]
    assert dangerous == []
