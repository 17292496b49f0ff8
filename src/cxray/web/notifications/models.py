"""Outgoing notifications (an outbox) and the scheduler's bookmarks.

A request never sends: it writes a Delivery row in its own transaction, and the worker
(``cxray worker``) sends it, retrying with back-off. Each Delivery has a unique ``key``, so an
event queued twice (a job re-run after a restart) is stored, and therefore sent, once.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxray.web.workspaces.models import Workspace


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class WebhookFormat(models.TextChoices):
    JSON = "json", _("JSON event")
    SLACK = "slack", _('Slack-compatible ({"text": …})')


class WebhookEndpoint(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret)
    format = models.CharField(
        _("format"), max_length=8, choices=WebhookFormat.choices, default=WebhookFormat.JSON
    )
    # Comma-separated event names; blank = every event.
    events = models.CharField(_("events"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event: str) -> bool:
        names = {e.strip() for e in self.events.split(",") if e.strip()}
        return not names or event in names


class DeliveryKind(models.TextChoices):
    EMAIL = "email", _("email")
    WEBHOOK = "webhook", _("webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, will retry")
    GAVE_UP = "gave_up", _("failed, gave up")


class Delivery(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=8, choices=DeliveryKind.choices)
    event = models.CharField(_("event"), max_length=64)
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.CharField(_("to"), max_length=500, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.event} → {self.recipient}: {self.status}"


class JobBookmark(models.Model):
    """What a scheduled job last processed, so that a restarted worker goes on from there."""

    name = models.CharField(max_length=100, unique=True)
    position = models.JSONField(default=dict)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
