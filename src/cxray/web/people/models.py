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


class PeopleSettings(models.Model):
    """Per-workspace settings of the people analytics (employee surveys, attachment).

    A workspace without a row uses the defaults; :func:`people_settings_get` never creates one.
    """

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="people_settings"
    )
    min_group_size = models.PositiveSmallIntegerField(
        _("minimum group size"),
        default=5,
        help_text=_(
            "Employee survey results of a group smaller than this are never shown: the group "
            "is pooled into its parent unit."
        ),
    )
    attachment_threshold = models.FloatField(
        _("attachment threshold"),
        default=0.7,
        help_text=_("A customer is attached to an employee who has at least this share of "
                    "their interactions at one touchpoint."),
    )  # fmt: skip
    attachment_min_interactions = models.PositiveSmallIntegerField(
        _("minimum interactions for attachment"), default=2
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=2), name="people_min_group_at_least_2"
            ),
            models.CheckConstraint(
                condition=models.Q(attachment_threshold__gt=0)
                & models.Q(attachment_threshold__lte=1),
                name="people_attachment_threshold_share",
            ),
        ]
