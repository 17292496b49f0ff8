import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# Tests that import the WSGI module need no warm-up thread importing beside the collection
# (tests/web/test_warmup.py turns it on in its own subprocess).
os.environ.setdefault("CXRAY_WARM_UP", "0")


@pytest.fixture(autouse=True)
def default_language():
    """A test that runs the CLI (which switches to its own language) leaves none behind."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real reference data sets (../shared/data beside the checkout)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"reference data not found at {SHARED_DATA}: put ../shared beside the checkout")
    return SHARED_DATA
