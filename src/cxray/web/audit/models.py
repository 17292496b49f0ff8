from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxray.web.accounts.models import ApiToken
from cxray.web.workspaces.models import Workspace


class Kind(models.TextChoices):
    READ = "read", _("saw or exported personal data")
    CHANGE = "change", _("changed something")


class AuditEvent(models.Model):
    """Who saw or exported personal data, and who changed what. Never the data itself."""

    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too, so the record outlives a deleted workspace, user or token.
    workspace_slug = models.CharField(_("workspace"), max_length=64, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(_("who"), max_length=200)
    token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(_("through"), max_length=8)  # web, api, cli
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=128, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    ip = models.CharField(_("address"), max_length=45, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["workspace_slug", "at"], name="audit_workspace_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}"
