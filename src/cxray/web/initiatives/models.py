"""Initiatives (the outer loop: a change meant to remove a cause of bad experience) and
their action plans. What an initiative was worth is measured, never entered: see
:mod:`cxray.analytics.did`; only the *expected* effect is typed in by a person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import Unit
from cxray.web.workspaces.models import Workspace


class Status(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    DROPPED = "dropped", _("dropped")


class Outcome(models.TextChoices):
    """What the measured effect is computed on (one figure per unit or group and month)."""

    NPS = "nps", _("NPS points")
    CHURN = "churn", _("churn rate, percentage points")
    REVENUE = "revenue", _("revenue per customer per month")


class Initiative(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="initiatives")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Where it came from, free text: "case group 12", "journey audit: gap at step 3", ...
    source = models.CharField(_("source"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="initiatives_owned",
        verbose_name=_("owner"),
    )
    owner_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="initiatives_owned",
        verbose_name=_("owner unit"),
    )
    due = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED
    )
    touchpoints = models.ManyToManyField(
        Touchpoint, blank=True, related_name="initiatives", verbose_name=_("touchpoints")
    )
    themes = models.JSONField(_("themes"), default=list, blank=True)  # theme ids or labels
    journey_steps = models.JSONField(_("journey steps"), default=list, blank=True)  # refs
    # The treated group for the measured effect: units (and everything under them), or a
    # customer segment; the rest of the workspace is the control group.
    treated_units = models.ManyToManyField(
        Unit, blank=True, related_name="initiatives_treated", verbose_name=_("treated units")
    )
    treated_segment = models.CharField(_("treated customer segment"), max_length=100, blank=True)
    started = models.DateField(_("start date"), null=True, blank=True)
    outcome = models.CharField(
        _("measured on"), max_length=16, choices=Outcome.choices, default=Outcome.NPS
    )
    expected_effect = models.DecimalField(
        _("expected effect per year"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "status"])]

    def __str__(self) -> str:
        return self.title


class ActionItem(models.Model):
    """One task of an initiative's action plan."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="items")
    task = models.CharField(_("task"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
        verbose_name=_("owner"),
    )
    # The employee whose work the task is about, if any: shown on their KPI page.
    employee = models.ForeignKey(
        "people.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
        verbose_name=_("employee"),
    )
    due = models.DateField(_("due"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["initiative", "position", "pk"]

    def __str__(self) -> str:
        return self.task
