"""The interview form: the seed's questions, each a free answer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cxray.web.research.models import QUESTIONS, ChurnInterview

LANGUAGE_CHOICES = [("", _("detect")), ("ru", "русский"), ("uk", "українська"), ("en", "English")]


class InterviewForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, required=False)

    class Meta:
        model = ChurnInterview
        fields = ["customer_id", "held_on", "interviewer", "language", "segment", *QUESTIONS]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **{q: forms.Textarea(attrs={"rows": 3}) for q in QUESTIONS},
        }
