"""Cases: the reaction to one unhappy customer (the inner loop of seed 001, pitfall 9).

A low score or a negative comment opens a case for the owner of its touchpoint or unit, with a
reaction deadline; missing it escalates the case one level up the unit hierarchy.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxray.web.people.models import Employee, Unit
from cxray.web.surveys.models import SurveyResponse
from cxray.web.workspaces.models import Workspace


class CaseStatus(models.TextChoices):
    NEW = "new", _("new")
    IN_PROGRESS = "in_progress", _("in progress")
    WAITING = "waiting", _("waiting for the customer")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")


OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING)
DONE_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


class CaseReason(models.TextChoices):
    LOW_SCORE = "low_score", _("low score")
    NEGATIVE_COMMENT = "negative_comment", _("negative comment")
    MANUAL = "manual", _("opened by hand")


class CaseSettings(models.Model):
    """A workspace's case rules: the reaction deadline and what opens a case."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="case_settings"
    )
    reaction_hours = models.PositiveIntegerField(_("reaction deadline (hours)"), default=48)
    open_on_low_score = models.BooleanField(_("a low score opens a case"), default=True)
    open_on_negative_comment = models.BooleanField(
        _("a negative comment opens a case"), default=True
    )
    escalate = models.BooleanField(_("escalate a missed deadline up the hierarchy"), default=True)

    def __str__(self) -> str:
        return f"case settings of {self.workspace}"


class RoutingRule(models.Model):
    """Who gets the case: the first active rule (by position) whose conditions all match.

    A blank condition matches anything. Without a matching rule the case goes to the owner
    unit of the touchpoint, else to the unit of the response.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(_("order"), default=0)
    touchpoint_code = models.CharField(_("touchpoint"), max_length=64, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit (and below)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    segment = models.CharField(_("segment"), max_length=128, blank=True)
    theme = models.CharField(_("theme"), max_length=128, blank=True)
    min_value_at_risk = models.DecimalField(
        _("value at risk at least"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    owner_unit = models.ForeignKey(
        Unit,
        verbose_name=_("owner unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (user)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"rule {self.position} of {self.workspace}"


class Case(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=300)
    reason = models.CharField(_("why opened"), max_length=24, choices=CaseReason.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    # The first feedback that opened the case; later duplicates join through CaseFeedback.
    response = models.ForeignKey(
        SurveyResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer_id = models.CharField(_("customer"), max_length=128, blank=True, db_index=True)
    segment = models.CharField(_("segment"), max_length=128, blank=True)
    touchpoint_code = models.CharField(_("touchpoint"), max_length=64, blank=True)
    unit_code = models.CharField(_("unit"), max_length=64, blank=True)
    employee_code = models.CharField(_("employee"), max_length=64, blank=True)
    theme = models.CharField(_("theme"), max_length=128, blank=True)
    metric = models.CharField(_("metric"), max_length=16, blank=True)
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    value_at_risk = models.DecimalField(
        _("value at risk"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    owner_unit = models.ForeignKey(
        Unit,
        verbose_name=_("owner unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The employee the feedback is about (frontline scope); not necessarily the owner.
    employee = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), db_index=True)
    due_at = models.DateTimeField(_("react by"))
    # The deadline set at opening; an escalation moves ``due_at`` on, this stays, so the
    # share reacted to in time still counts the missed ones.
    first_due_at = models.DateTimeField(_("first deadline"))
    first_reaction_at = models.DateTimeField(_("first reaction"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalations"), default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["workspace", "status"], name="case_status"),
            models.Index(fields=["workspace", "due_at"], name="case_due"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def done_at(self):
        return self.resolved_at or self.closed_at


class CaseFeedback(models.Model):
    """Every response that belongs to a case: the one that opened it and the duplicates."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="feedback")
    response = models.OneToOneField(
        SurveyResponse, on_delete=models.CASCADE, related_name="case_link"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.case} ← {self.response_id}"


class EventKind(models.TextChoices):
    OPENED = "opened", _("opened")
    NOTE = "note", _("note")
    CONTACT = "contact", _("contact with the customer")
    STATUS = "status", _("status changed")
    ASSIGNED = "assigned", _("assigned")
    ESCALATED = "escalated", _("escalated")
    JOINED = "joined", _("more feedback joined")
    RESOLVED = "resolved", _("resolved")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("phone")
    EMAIL = "email", _("email")
    MESSAGE = "message", _("message")
    MEETING = "meeting", _("in person")


class CaseEvent(models.Model):
    """The case's log: notes, contacts with the customer, status changes, escalations."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    text = models.TextField(blank=True)
    channel = models.CharField(
        _("channel"), max_length=16, choices=ContactChannel.choices, blank=True
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind}"


class ImportedFeedback(models.Model):
    """A row of an imported feedback file that opened a case or joined one.

    Keyed by the row's content key in the analytics store (``row_key``), so importing the same
    file again finds its rows here and opens nothing twice.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    row_key = models.CharField(max_length=128)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="imported_feedback")
    import_run = models.ForeignKey(
        "imports.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined = models.BooleanField(default=False)  # joined an open case rather than opened one
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "row_key"], name="imported_feedback_once")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.row_key}"


class ImportCaseCheck(models.Model):
    """What checking one import for cases did: the window asked for and the counts."""

    import_run = models.OneToOneField(
        "imports.ImportRun", on_delete=models.CASCADE, related_name="case_check"
    )
    days = models.PositiveSmallIntegerField(_("answers of the last (days)"))
    checked = models.PositiveIntegerField(_("answers checked"), default=0)
    opened = models.PositiveIntegerField(_("cases opened"), default=0)
    joined = models.PositiveIntegerField(_("joined to open cases"), default=0)

    def __str__(self) -> str:
        return f"cases of import {self.import_run_id}"
