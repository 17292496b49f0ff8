import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxray.web.people.models import Employee, Unit
from cxray.web.workspaces.models import Workspace


class Role(models.TextChoices):
    ADMIN = "admin", _("administrator")
    CX_MANAGER = "cx_manager", _("CX manager")
    UNIT_MANAGER = "unit_manager", _("unit manager")
    FRONTLINE = "frontline", _("frontline employee")
    VIEWER = "viewer", _("viewer")


class MembershipManager(models.Manager["Membership"]):
    def get_by_natural_key(self, username: str, workspace_slug: str) -> "Membership":
        return self.get(user__username=username, workspace__slug=workspace_slug)


class Membership(models.Model):
    """What one user may see and do in one workspace."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    # A unit manager sees this unit and everything below it.
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL)
    # A frontline employee sees the feedback about this employee.
    employee = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL)

    objects = MembershipManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "workspace"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace}: {self.role}"

    def natural_key(self) -> tuple[str, str]:
        return (self.user.username, self.workspace.slug)


class ApiToken(models.Model):
    """A bearer token for the REST API, valid in one workspace only, revocable."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    # Only a hash is kept: a leaked database does not leak working tokens.
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
