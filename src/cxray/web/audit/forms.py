from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cxray.web.audit.models import Kind


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    actor = forms.CharField(label=_("Who"), required=False, max_length=150)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("all")), *list(Kind.choices)]
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))
