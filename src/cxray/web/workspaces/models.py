from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkspaceManager(models.Manager["Workspace"]):
    def get_by_natural_key(self, slug: str) -> "Workspace":
        return self.get(slug=slug)


class Workspace(models.Model):
    """One company's separate space: every other record belongs to exactly one workspace."""

    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3, default="UAH")
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="ru"
    )
    # Many systems date a churn when it is declared (N days without activity); analytics
    # move it back by this many days to the day the customer actually left.
    churn_lag_days = models.PositiveIntegerField(
        _("churn is declared after (days without activity)"), default=0
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)
