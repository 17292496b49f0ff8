"""Surveys, their responses, and the contact policy that limits how often a person is asked.

Responses are written here first (the app database is transactional and takes many small
writes); the analytics store receives them in batches through ``responses_sync``.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxray.analytics.schema import METRIC_SCALES
from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import Employee, Unit
from cxray.web.workspaces.models import Workspace

LANGUAGES = ("ru", "uk", "en")


class SurveyType(models.TextChoices):
    NPS = "nps", _("NPS (0–10)")
    CSAT = "csat", _("CSAT (1–5)")
    CES = "ces", _("CES (1–7)")
    ENPS = "enps", _("eNPS (employees, 0–10)")
    INTERNAL_NPS = "internal_nps", _("internal NPS (one department rates another, 0–10)")
    CUSTOM = "custom", _("custom rating (0–10)")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    CLOSED = "closed", _("closed")


class Channel(models.TextChoices):
    LINK = "link", _("link")
    QR = "qr", _("QR code")
    WIDGET = "widget", _("website widget")
    EMAIL = "email", _("email invitation")
    API = "api", _("API")
    IMPORT = "import", _("import")


# The wording a new survey starts with; data, not interface text: each survey keeps its own
# copy per language, editable, so it is written out here rather than left to the catalogues.
DEFAULT_QUESTIONS: dict[str, dict[str, str]] = {
    "nps": {
        "ru": "Насколько вероятно, что вы порекомендуете нас другу или коллеге?",
        "uk": "Наскільки ймовірно, що ви порекомендуєте нас другові чи колезі?",
        "en": "How likely are you to recommend us to a friend or colleague?",
    },
    "csat": {
        "ru": "Насколько вы довольны обслуживанием?",
        "uk": "Наскільки ви задоволені обслуговуванням?",
        "en": "How satisfied are you with the service?",
    },
    "ces": {
        "ru": "Насколько легко было получить то, что вам было нужно?",
        "uk": "Наскільки легко було отримати те, що вам було потрібно?",
        "en": "How easy was it to get what you needed?",
    },
    "enps": {
        "ru": "Насколько вероятно, что вы порекомендуете нашу компанию как место работы?",
        "uk": "Наскільки ймовірно, що ви порекомендуєте нашу компанію як місце роботи?",
        "en": "How likely are you to recommend our company as a place to work?",
    },
    "internal_nps": {
        "ru": "Насколько вероятно, что вы порекомендуете работу этого отдела коллеге?",
        "uk": "Наскільки ймовірно, що ви порекомендуєте роботу цього відділу колезі?",
        "en": "How likely are you to recommend this department's service to a colleague?",
    },
    "custom": {
        "ru": "Как вы оцениваете нашу работу?",
        "uk": "Як ви оцінюєте нашу роботу?",
        "en": "How do you rate our work?",
    },
}
DEFAULT_FOLLOW_UP: dict[str, str] = {
    "ru": "Что должно измениться, чтобы вы поставили нам высшую оценку?",
    "uk": "Що має змінитися, щоб ви поставили нам найвищу оцінку?",
    "en": "What must change for you to give us the top score?",
}


def new_token() -> str:
    return secrets.token_urlsafe(12)


class Survey(models.Model):
    """One question with a score, an optional comment and the follow-up below the top score."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="surveys")
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(
        _("type"), max_length=16, choices=SurveyType.choices, default=SurveyType.NPS
    )
    purpose = models.TextField(
        _("purpose"),
        blank=True,
        help_text=_("The decision this survey serves. Required to publish."),
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (user)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner_employee = models.ForeignKey(
        Employee,
        verbose_name=_("owner (employee)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    public_token = models.CharField(max_length=32, unique=True, default=new_token)
    question_ru = models.TextField(_("question (Russian)"), blank=True)
    question_uk = models.TextField(_("question (Ukrainian)"), blank=True)
    question_en = models.TextField(_("question (English)"), blank=True)
    follow_up_ru = models.TextField(_("follow-up (Russian)"), blank=True)
    follow_up_uk = models.TextField(_("follow-up (Ukrainian)"), blank=True)
    follow_up_en = models.TextField(_("follow-up (English)"), blank=True)
    touchpoint = models.ForeignKey(
        Touchpoint,
        verbose_name=_("touchpoint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("employee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A customer survey may also ask "How would you rate <competitor> on the same?"; those
    # answers go to the analytics store's benchmark_ratings, never into the own scores.
    competitor = models.CharField(
        _("competitor to rate as well"),
        max_length=200,
        blank=True,
        help_text=_(
            "Optional: respondents are also asked to rate this competitor on the same scale; "
            "the answers appear on Research → Competitors, not in your own scores."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def scale(self) -> tuple[int, int]:
        return METRIC_SCALES[self.type]

    @property
    def owner_label(self) -> str:
        if self.owner_user_id:
            return str(self.owner_user)
        if self.owner_employee_id:
            return str(self.owner_employee)
        return ""

    def question(self, language: str) -> str:
        stored = getattr(self, f"question_{language}", "") if language in LANGUAGES else ""
        return stored or DEFAULT_QUESTIONS[self.type].get(
            language, DEFAULT_QUESTIONS[self.type]["en"]
        )

    def follow_up(self, language: str) -> str:
        stored = getattr(self, f"follow_up_{language}", "") if language in LANGUAGES else ""
        return stored or DEFAULT_FOLLOW_UP.get(language, DEFAULT_FOLLOW_UP["en"])


class SurveyResponse(models.Model):
    """One answer: a score, an optional comment and the follow-up, with its context."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    invitation = models.ForeignKey(
        "Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    score = models.SmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    # The answer to "what must change for the top score?", kept apart from the free comment.
    follow_up = models.TextField(_("follow-up answer"), blank=True)
    language = models.CharField(_("language"), max_length=5)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    touchpoint_code = models.CharField(_("touchpoint"), max_length=64, blank=True)
    unit_code = models.CharField(_("unit"), max_length=64, blank=True)
    employee_code = models.CharField(_("employee"), max_length=64, blank=True)
    customer_id = models.CharField(_("customer"), max_length=128, blank=True)
    # Employee surveys only: who answered (a personal link to an employee), or just their
    # unit (chosen on an internal NPS form); they place the answer in an anonymous group.
    respondent_employee_code = models.CharField(max_length=64, blank=True)
    respondent_unit_code = models.CharField(max_length=64, blank=True)
    # The rating of the survey's competitor, when it asks for one (benchmark_ratings).
    competitor_score = models.SmallIntegerField(_("competitor's score"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("answered"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Null until the row is in the analytics store; see responses_sync.
    synced_at = models.DateTimeField(null=True, blank=True)
    # Null until the case check has looked at the answer (cxray.web.cases.intake), so that
    # the checker process and the scheduled job read only what is left to check.
    case_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="survey_response_idempotent",
            )
        ]
        indexes = [
            models.Index(
                fields=["workspace"],
                condition=models.Q(synced_at__isnull=True),
                name="survey_response_unsynced",
            ),
            models.Index(fields=["survey", "created_at"], name="survey_response_recent"),
            models.Index(
                fields=["id"],
                condition=models.Q(case_checked_at__isnull=True),
                name="survey_response_unchecked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey}: {self.score}"

    @property
    def row_key(self) -> str:
        return f"survey-response-{self.pk}"


class ContactPolicy(models.Model):
    """How often one person may be asked, per workspace, across every survey and channel."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="contact_policy"
    )
    min_days_between = models.PositiveSmallIntegerField(
        _("days between invitations to one person"), default=30
    )
    quiet_start_hour = models.PositiveSmallIntegerField(_("quiet hours start (hour)"), default=21)
    quiet_end_hour = models.PositiveSmallIntegerField(_("quiet hours end (hour)"), default=9)
    journey_cap = models.PositiveSmallIntegerField(
        _("invitations per person per journey per year"), default=4
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        _("send one reminder after (days without an answer)"), default=3
    )
    # Blank: the server's time zone (CXRAY_TIME_ZONE).
    time_zone = models.CharField(
        _("time zone of the quiet hours"),
        max_length=64,
        blank=True,
        help_text=_("For example Europe/Kyiv. Empty: the server's time zone."),
    )

    def __str__(self) -> str:
        return f"contact policy of {self.workspace}"


class Contact(models.Model):
    """A person who may be invited; opting out is honoured forever."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    customer_id = models.CharField(_("customer"), max_length=128, blank=True)
    language = models.CharField(_("language"), max_length=5, blank=True)
    opt_out_token = models.CharField(max_length=32, unique=True, default=new_token)
    opted_out_at = models.DateTimeField(_("opted out"), null=True, blank=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "email"], name="contact_email_unique")
        ]

    def __str__(self) -> str:
        return self.email


class InvitationStatus(models.TextChoices):
    SENT = "sent", _("sent")
    SKIPPED = "skipped", _("skipped")
    WAITING = "waiting", _("waiting for the end of quiet hours")
    FAILED = "failed", _("failed")
    ANSWERED = "answered", _("answered")


# Why an invitation was not sent (or not yet): a code stored on the row, a text shown in the
# reader's language; %(detail)s is the row's ``detail`` (a date, a count, an error).
REASONS: dict[str, Any] = {
    "recent": _("invited recently (on %(detail)s)"),
    "opted_out": _("opted out"),
    "quiet_hours": _("quiet hours: waits until %(detail)s"),
    "cap": _("journey cap reached (%(detail)s invitations this year)"),
    "invalid_email": _("not a valid email address"),
    "send_error": _("the mail server refused: %(detail)s"),
}


class Invitation(models.Model):
    """A personal link sent to one contact, or the record of why it was not sent."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=32, unique=True, default=new_token)
    status = models.CharField(max_length=16, choices=InvitationStatus.choices)
    # A code (see invitations.REASONS), rendered in the reader's language; ``detail`` holds
    # its parameter (the date of the earlier invitation, the mail server's error).
    skip_reason = models.CharField(_("why skipped"), max_length=200, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=5, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    send_after = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "status"], name="invitation_status")]

    def __str__(self) -> str:
        return f"{self.contact} · {self.survey}: {self.status}"

    @property
    def reason_text(self) -> str:
        text = REASONS.get(self.skip_reason)
        if text is None:
            return self.skip_reason
        return str(text) % {"detail": self.detail}
