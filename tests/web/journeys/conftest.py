import pytest


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, whatever the translations say."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
