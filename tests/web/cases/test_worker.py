"""The separate worker process lets go of the analytics store between rounds."""

from __future__ import annotations

import pytest

from cxray.web import analytics_store
from cxray.web.analytics_store import analytics
from cxray.web.notifications.scheduler import run_forever

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("release", [True, False])
def test_worker_releases_the_store_between_rounds(release):
    with analytics():
        pass  # the store is open in this process
    rounds = iter([False, True])
    run_forever(interval_s=0, stop=lambda: next(rounds), release_store=release)
    assert (analytics_store._store is None) == release
