from django.db import models
from django.utils.translation import gettext_lazy as _

from cxray.web.people.models import ScopedManager, Unit
from cxray.web.workspaces.models import Workspace


class Touchpoint(models.Model):
    """A moment where the customer meets the company; feedback and interactions refer to it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="touchpoints")
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    journey = models.CharField(_("journey"), max_length=64, blank=True)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=64, blank=True)
    owner_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints"
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "code"], name="touchpoint_code_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str, str]:
        return (self.workspace.slug, self.code)

    natural_key.dependencies = ["workspaces.workspace", "people.unit"]  # type: ignore[attr-defined]
