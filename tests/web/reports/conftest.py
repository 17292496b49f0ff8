import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English whatever the default language."""
    with translation.override("en"):
        yield
