"""Discovered themes, the user's edits to them, and human reviews of reason codes.

A discovery run keeps what re-applying edits needs without embedding the texts again: the
texts, their languages and response keys, the embeddings (float16), the clusters as found
(``base``) and the centroids of the run before it. Saving an edit re-runs ``apply_edits`` on
these in a moment; only a new run (the "Re-analyse" button) embeds anything.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxray.web.workspaces.models import Workspace


class TextSource(models.TextChoices):
    COMMENT = "comment", _("comments")
    FOLLOW_UP = "follow_up", _("answers to the follow-up question")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class DiscoveryRun(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="discovery_runs"
    )
    field = models.CharField(max_length=16, choices=TextSource.choices)
    # Only the texts of answers in this score band: "" (all), "nps", "nps:low", "csat:top" ...
    score_filter = models.CharField(max_length=20, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    error = models.TextField(blank=True)
    n_texts = models.PositiveIntegerField(default=0)
    k = models.PositiveIntegerField(null=True, blank=True)
    silhouette = models.FloatField(null=True, blank=True)
    notes = models.JSONField(default=list, blank=True)  # edits that no longer apply
    # The corpus, one entry per text, in the order discover_themes saw it.
    response_keys = models.JSONField(default=list, blank=True)
    texts = models.JSONField(default=list, blank=True)  # masked, original language
    languages = models.JSONField(default=list, blank=True)
    embeddings = models.BinaryField(null=True, blank=True)  # float16, n x dim, row-major
    base = models.JSONField(default=dict, blank=True)  # theme id -> member indices, no edits
    previous_centroids = models.JSONField(default=dict, blank=True)  # id -> list of floats
    centroids = models.JSONField(default=dict, blank=True)  # for the next run's apply_edits

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "field", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.workspace.slug} {self.field} #{self.pk} ({self.status})"


class DiscoveredTheme(models.Model):
    run = models.ForeignKey(DiscoveryRun, on_delete=models.CASCADE, related_name="themes")
    position = models.PositiveIntegerField(default=0)  # biggest first
    theme_id = models.CharField(max_length=40)  # "T3", "T2.1": stable across runs
    label = models.CharField(max_length=300)
    labels = models.JSONField(default=dict, blank=True)  # language -> label
    size = models.PositiveIntegerField(default=0)
    # Nearest the centroid, in their own language: [{"text": ..., "language": ...}]
    quotes = models.JSONField(default=list, blank=True)
    centroid = models.JSONField(default=list, blank=True)  # raw embedding space
    members = models.JSONField(default=list, blank=True)  # response keys

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "theme_id"], name="themes_theme_once_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.theme_id} {self.label}"


class EditKind(models.TextChoices):
    RENAME = "rename", _("rename")
    MERGE = "merge", _("merge")
    SPLIT = "split", _("split")


class ThemeEdit(models.Model):
    """One user edit; the workspace's edits, oldest first, compose into a ThemeEdits."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="theme_edits")
    field = models.CharField(max_length=16, choices=TextSource.choices, default=TextSource.COMMENT)
    kind = models.CharField(max_length=10, choices=EditKind.choices)
    # rename: {"id", "label"}; merge: {"ids", "label"}; split: {"id", "parts"}
    payload = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.payload}"


class Verdict(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    REJECTED = "rejected", _("rejected")
    CORRECTED = "corrected", _("corrected")


class CodeReview(models.Model):
    """A person's verdict on one machine code of one text; the latest verdict counts."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="code_reviews")
    response_key = models.CharField(max_length=200)
    field = models.CharField(max_length=16, choices=TextSource.choices)
    scheme = models.CharField(max_length=40)  # "churn_reason" | "purchase_factor"
    code = models.CharField(max_length=40)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    corrected_code = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "response_key", "field", "scheme", "code"],
                name="themes_one_review_per_code",
            )
        ]

    def __str__(self) -> str:
        return f"{self.response_key}:{self.field} {self.scheme}:{self.code} {self.verdict}"
