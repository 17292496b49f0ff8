from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxray.web.workspaces.models import Workspace


class UnitKind(models.TextChoices):
    COMPANY = "company", _("company")
    REGION = "region", _("region")
    BRANCH = "branch", _("branch")
    DEPARTMENT = "department", _("department")


# A child sits strictly below its parent in this order; levels may be skipped.
UNIT_KIND_DEPTH = {"company": 0, "region": 1, "branch": 2, "department": 3}


class ScopedManager(models.Manager):
    def get_by_natural_key(self, workspace_slug: str, code: str) -> models.Model:
        return self.get(workspace__slug=workspace_slug, code=code)


class Unit(models.Model):
    """A node of the organisation: company → region → branch → department."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="units")
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("level"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="children"
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "code"], name="unit_code_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str, str]:
        return (self.workspace.slug, self.code)

    natural_key.dependencies = ["workspaces.workspace"]  # type: ignore[attr-defined]


class Employee(models.Model):
    """A person who serves customers (or other employees), attached to one unit."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="employees")
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(Unit, on_delete=models.RESTRICT, related_name="employees")
    position = models.CharField(_("position"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    hired = models.DateField(_("hired"), null=True, blank=True)
    left = models.DateField(_("left"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "code"], name="employee_code_unique"),
            models.CheckConstraint(
                condition=models.Q(left__isnull=True)
                | models.Q(hired__isnull=True)
                | models.Q(left__gte=models.F("hired")),
                name="employee_left_after_hired",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str, str]:
        return (self.workspace.slug, self.code)

    natural_key.dependencies = ["workspaces.workspace", "people.unit"]  # type: ignore[attr-defined]
