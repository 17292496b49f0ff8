from __future__ import annotations

import pytest

from cxray.web.surveys.services import survey_create, survey_publish


@pytest.fixture(autouse=True)
def inline_sync(settings):
    """Sync in the request thread: the background thread cannot see the test transaction."""
    settings.CXRAY_SURVEY_SYNC_INLINE = True


@pytest.fixture
def published(two_companies):
    """A published NPS survey in alpha and one in beta."""
    a, b = two_companies
    sa = survey_create(
        workspace=a["ws"],
        name="After the visit",
        purpose="Decide whether to add evening reception hours",
        owner_user=a["admin"],
        touchpoint=a["tp"],
    )
    sb = survey_create(
        workspace=b["ws"], name="Beta survey", purpose="Beta decision", owner_user=b["admin"]
    )
    return {"a": a, "b": b, "sa": survey_publish(survey=sa), "sb": survey_publish(survey=sb)}
