from django.conf import settings
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


class Variant(models.TextChoices):
    AS_IS = "as-is", _("as is")
    TO_BE = "to-be", _("to be")


class Persona(models.Model):
    """Who walks the journey: a described customer of one segment."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="personas")
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200, blank=True)
    segment = models.CharField(_("segment"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "code"], name="persona_code_unique")
        ]

    def __str__(self) -> str:
        return self.name or self.code


class Journey(models.Model):
    """A customer journey map: stages across, service-blueprint lanes down.

    The rows below (stages, steps, communications) are the current state; every saved
    change is also kept as a :class:`JourneyVersion` with its canonical YAML text.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="journeys")
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    variant = models.CharField(
        _("variant"), max_length=8, choices=Variant.choices, default=Variant.AS_IS
    )
    counterpart = models.CharField(_("compared with"), max_length=64, blank=True)
    description = models.TextField(_("description"), blank=True)
    persona = models.ForeignKey(
        Persona, null=True, blank=True, on_delete=models.SET_NULL, related_name="journeys"
    )
    segments = models.JSONField(_("segments"), default=list, blank=True)
    messages_per_week = models.PositiveSmallIntegerField(
        _("messages per customer per week"), null=True, blank=True
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "code"], name="journey_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["journey", "position"]


class Step(models.Model):
    """One column of the map: what the customer does and everything in the lanes below it."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="steps")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    key = models.CharField(_("id"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    # The key of a step this one replaces for some customers (see cxray.journey.model).
    alternative_to = models.CharField(_("alternative to step"), max_length=64, blank=True)
    customer_action = models.TextField(_("what the customer does"), blank=True)
    # The code as written (kept even when no such touchpoint exists yet) and the link.
    touchpoint_code = models.CharField(_("touchpoint"), max_length=64, blank=True)
    touchpoint = models.ForeignKey(
        Touchpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="steps"
    )
    channel = models.CharField(_("channel"), max_length=64, blank=True)
    owner_code = models.CharField(_("owner unit"), max_length=64, blank=True)
    frontstage = models.TextField(_("frontstage"), blank=True)
    backstage = models.TextField(_("backstage"), blank=True)
    support = models.TextField(_("support processes"), blank=True)
    expectation_best = models.TextField(_("expected at best"), blank=True)
    expectation_worst = models.TextField(_("expected at worst"), blank=True)
    expectation_source = models.TextField(_("where the expectation came from"), blank=True)
    emotion = models.SmallIntegerField(_("emotion"), null=True, blank=True)
    day = models.PositiveIntegerField(_("day of the journey"), null=True, blank=True)

    class Meta:
        ordering = ["journey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "key"], name="journey_step_key_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Communication(models.Model):
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="communications")
    position = models.PositiveSmallIntegerField()
    message = models.TextField(_("message"))
    channel = models.CharField(_("channel"), max_length=64, blank=True)
    trigger = models.CharField(_("trigger"), max_length=300, blank=True)
    timing = models.CharField(_("timing"), max_length=16, blank=True)
    survey = models.BooleanField(_("survey invitation"), default=False)

    class Meta:
        ordering = ["step", "position"]


class JourneyVersion(models.Model):
    """One saved state of a journey, as its canonical YAML text."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    yaml = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["journey", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "number"], name="journey_version_unique")
        ]
