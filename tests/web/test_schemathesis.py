"""schemathesis over the whole OpenAPI document, in process against the WSGI app, with a valid
administrator's token: whatever the generated request, the API never answers 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from cxray.web.config.wsgi import application

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def keep_test_connection():
    """Calling the WSGI app fires request_started/finished, whose handler closes a connection
    that is inside a transaction; that is the test's own transaction on PostgreSQL (SQLite's
    in-memory database is never closed). Django's test client detaches the handler the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(db):
    from .conftest import make_company

    return make_company("alpha", n_promoters=6, n_detractors=2)["token"]


def _load_schema():
    """The document /api/v1/openapi.json serves, built without a request (requests open a
    database transaction, and no database is allowed while tests are collected)."""
    from cxray.web.api.api import api

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
    loaded.app = application
    return loaded


schema = _load_schema()


@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error]
    )
