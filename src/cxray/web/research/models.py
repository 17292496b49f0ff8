"""Churn interviews with their coded reasons, and self-assessments (seed 000 and 001).

Competitor ratings are facts, not entities: they live in the analytics store
(``benchmark_ratings``), not here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxray.web.workspaces.models import Workspace

# The questions of seed 001's deep interview, in the order they are asked.
QUESTIONS: tuple[str, ...] = (
    "value_before",
    "what_changed",
    "why_others_stay",
    "also_gave_up",
    "replaced_by",
    "notes",
)


class ChurnInterview(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="churn_interviews"
    )
    customer_id = models.CharField(_("customer"), max_length=200)
    interviewer = models.CharField(_("interviewer"), max_length=200, blank=True)
    held_on = models.DateField(_("date"))
    language = models.CharField(_("language"), max_length=2, blank=True)
    segment = models.CharField(
        _("segment"), max_length=200, blank=True, help_text=_("Empty: the customer's segment.")
    )
    value_before = models.TextField(_("What was the value of us before?"), blank=True)
    what_changed = models.TextField(_("What exactly changed?"), blank=True)
    why_others_stay = models.TextField(_("Why do you think others still stay?"), blank=True)
    also_gave_up = models.TextField(_("What else did you give up at the time?"), blank=True)
    replaced_by = models.TextField(_("What replaced the value you used to get?"), blank=True)
    notes = models.TextField(_("Other notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["workspace", "-held_on"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.held_on}"

    def answers(self) -> dict[str, str]:
        return {q: getattr(self, q) for q in QUESTIONS}


class ReasonStatus(models.TextChoices):
    SUGGESTED = "suggested", _("suggested")
    CONFIRMED = "confirmed", _("confirmed")
    REJECTED = "rejected", _("rejected")


class InterviewReason(models.Model):
    """A reason of one interview: suggested by the rules or added by a person.

    Only ``confirmed`` reasons count in any figure.
    """

    interview = models.ForeignKey(ChurnInterview, on_delete=models.CASCADE, related_name="reasons")
    code = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=ReasonStatus.choices, default=ReasonStatus.SUGGESTED
    )
    confidence = models.FloatField(null=True, blank=True)  # None: added by a person
    evidence = models.CharField(max_length=300, blank=True)
    question = models.CharField(max_length=40, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interview", "code"], name="research_reason_unique")
        ]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.interview_id}:{self.code} ({self.status})"


class Assessment(models.Model):
    """One run of a self-test questionnaire; ``answers`` maps item id → 0..4 (absent: n/a)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="assessments")
    questionnaire = models.CharField(max_length=40)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(_("title"), max_length=200, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    comments = models.JSONField(default=dict, blank=True)  # item id -> free text
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.questionnaire} #{self.pk}"
