"""A workspace backup keeps its journey maps with every version."""

from __future__ import annotations

import pytest
from django.utils import translation

from cxray.web.journeys.models import Journey
from cxray.web.journeys.selectors import journey_yaml
from cxray.web.journeys.services import journey_import
from cxray.web.workspaces.backup import backup_create, backup_restore

pytestmark = pytest.mark.django_db

TEXT = """\
journey: visit
name: Visit
variant: as-is
stages:
  - name: Booking
    steps:
      - id: call
        title: Call
        touchpoint: alpha-tp
        emotion: {emotion}
"""


def test_backup_and_restore_keep_journeys_and_versions(tmp_path, two_companies):
    a, _b = two_companies
    with translation.override("en"):  # the default note is written in the active language
        journey_import(workspace=a["ws"], text=TEXT.format(emotion=-1), user=a["admin"])
    journey_import(workspace=a["ws"], text=TEXT.format(emotion=1), note="better")
    path = tmp_path / "b.zip"
    backup_create(path=path, slugs=["alpha"])
    Journey.objects.filter(workspace=a["ws"]).delete()
    backup_restore(path=path, replace=True)
    journey = Journey.objects.get(workspace__slug="alpha", code="visit")
    assert journey_yaml(journey) == TEXT.format(emotion=1)
    versions = list(journey.versions.order_by("number"))
    assert [(v.number, v.note) for v in versions] == [(1, "imported"), (2, "better")]
    assert versions[0].yaml == TEXT.format(emotion=-1)
    assert versions[0].author.username == "alpha-admin"
    assert journey.steps.get(key="call").touchpoint.code == "alpha-tp"
