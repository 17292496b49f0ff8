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


@pytest.fixture(autouse=True)
def fresh_survey_cache():
    """The public pages keep surveys per process: a rolled-back test must leave none behind."""
    from cxray.web.surveys.selectors import survey_cache_clear

    survey_cache_clear()
    yield
    survey_cache_clear()


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The public endpoints' limiter counts per process: start each test from zero."""
    from cxray.web.surveys import ratelimit

    ratelimit.reset()
    yield
    ratelimit.reset()


class Collector:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # the name aiosmtpd calls
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback; Django's SMTP backend points at it."""
    from aiosmtpd.controller import Controller

    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield handler
    controller.stop()
