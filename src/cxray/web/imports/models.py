from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxray.web.workspaces.models import Workspace


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("customers")
    TRANSACTIONS = "transactions", _("transactions")
    INTERACTIONS = "interactions", _("interactions")
    FEEDBACK = "feedback", _("feedback")
    EMPLOYEES = "employees", _("employees")


class ImportStatus(models.TextChoices):
    DONE = "done", _("stored")
    REJECTED = "rejected", _("rejected")
    DRY_RUN = "dry_run", _("checked, not stored")


class ImportRun(models.Model):
    """The log of one import attempt: what came in, what was stored, what was wrong."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="imports")
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices)
    n_rows = models.PositiveIntegerField(_("rows read"), default=0)
    stored = models.PositiveIntegerField(_("rows stored"), default=0)
    unchanged = models.PositiveIntegerField(_("rows already there"), default=0)
    skipped = models.JSONField(default=dict)
    warnings = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    column_map = models.JSONField(default=dict)
    duration_s = models.FloatField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"
