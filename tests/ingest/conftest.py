from pathlib import Path

import pytest

from cxray.analytics.store import AnalyticsStore

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real reference files (../shared/data beside the checkout)."""
    if not DATA.is_dir():
        pytest.fail(f"reference data not found at {DATA}: put ../shared beside the checkout")
    return DATA


@pytest.fixture
def store() -> AnalyticsStore:
    return AnalyticsStore("duckdb://")
