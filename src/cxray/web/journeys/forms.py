"""The small form of one step (its lanes), shown inline on the map."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cxray.journey import model

EMOTION_CHOICES = [
    ("", _("not assessed")),
    ("-2", _("−2 angry")),
    ("-1", _("−1 unhappy")),
    ("0", _("0 neutral")),
    ("1", _("+1 pleased")),
    ("2", _("+2 delighted")),
]
_TEXT = forms.Textarea(attrs={"rows": 2})


class StepForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    alternative_to = forms.RegexField(
        label=_("Alternative to step (its id; a customer takes one of the two)"),
        regex=model.CODE_RE,
        required=False,
        max_length=64,
    )
    customer = forms.CharField(label=_("Customer does"), required=False, widget=_TEXT)
    touchpoint = forms.RegexField(
        label=_("Touchpoint code"), regex=model.CODE_RE, required=False, max_length=64
    )
    channel = forms.CharField(label=_("Channel"), required=False, max_length=64)
    owner = forms.RegexField(
        label=_("Owner unit code"), regex=model.CODE_RE, required=False, max_length=64
    )
    frontstage = forms.CharField(label=_("Frontstage"), required=False, widget=_TEXT)
    backstage = forms.CharField(label=_("Backstage"), required=False, widget=_TEXT)
    support = forms.CharField(label=_("Support processes"), required=False, widget=_TEXT)
    best = forms.CharField(label=_("Expected at best"), required=False, widget=_TEXT)
    worst = forms.CharField(label=_("Expected at worst"), required=False, widget=_TEXT)
    source = forms.CharField(
        label=_("Where the expectation came from (ZMOT)"), required=False, max_length=300
    )
    emotion = forms.TypedChoiceField(
        label=_("Emotion"), choices=EMOTION_CHOICES, coerce=int, empty_value=None, required=False
    )
    day = forms.IntegerField(label=_("Day of the journey"), min_value=0, required=False)

    @classmethod
    def for_step(cls, step: model.Step) -> StepForm:
        e = step.expectations
        return cls(
            initial={
                "title": step.title,
                "alternative_to": step.alternative_to,
                "customer": step.customer,
                "touchpoint": step.touchpoint,
                "channel": step.channel,
                "owner": step.owner,
                "frontstage": step.frontstage,
                "backstage": step.backstage,
                "support": step.support,
                "best": e.best,
                "worst": e.worst,
                "source": e.source,
                "emotion": "" if step.emotion is None else str(step.emotion),
                "day": step.day,
            },
            auto_id=f"id_{step.key}_%s",
        )

    def changes(self) -> dict[str, Any]:
        """The cleaned fields as :func:`step_update` takes them."""
        # Browsers send CRLF in text areas; the journey keeps plain newlines.
        return {
            k: v.replace("\r\n", "\n").strip() if isinstance(v, str) else v
            for k, v in self.cleaned_data.items()
        }
