from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import Employee, Unit
from cxray.web.surveys.models import ContactPolicy, Survey
from cxray.web.workspaces.models import Workspace


class SurveyForm(forms.ModelForm):
    """The survey editor; every choice is limited to the survey's own workspace."""

    class Meta:
        model = Survey
        fields = [
            "name",
            "type",
            "purpose",
            "owner_user",
            "owner_employee",
            "touchpoint",
            "unit",
            "employee",
            "competitor",
            "question_ru",
            "question_uk",
            "question_en",
            "follow_up_ru",
            "follow_up_uk",
            "follow_up_en",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 2}),
            **{
                f"{k}_{lang}": forms.Textarea(attrs={"rows": 2})
                for k in ("question", "follow_up")
                for lang in ("ru", "uk", "en")
            },
        }
        help_texts = {
            **{
                f"{k}_{lang}": _("Leave empty for the default wording.")
                for k in ("question", "follow_up")
                for lang in ("ru", "uk", "en")
            },
        }

    def __init__(self, *args, workspace: Workspace, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(memberships__workspace=workspace).distinct()
        self.fields["owner_user"].queryset = users
        self.fields["owner_employee"].queryset = Employee.objects.filter(workspace=workspace)
        self.fields["employee"].queryset = Employee.objects.filter(workspace=workspace)
        self.fields["unit"].queryset = Unit.objects.filter(workspace=workspace)
        self.fields["touchpoint"].queryset = Touchpoint.objects.filter(workspace=workspace)


class InviteForm(forms.Form):
    """Whom to invite: pasted addresses, or a CSV of email,name,customer_id,language."""

    emails = forms.CharField(
        label=_("Email addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "anna@example.com"}),
        help_text=_("One per line, or separated by commas."),
    )
    file = forms.FileField(
        label=_("or a CSV file"),
        required=False,
        help_text=_(
            "Columns: email,name,customer_id,language (ru, uk or en); a header is optional."
        ),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("emails") or "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Paste email addresses or choose a CSV file."))
        return data


class ContactPolicyForm(forms.ModelForm):
    class Meta:
        model = ContactPolicy
        fields = [
            "min_days_between",
            "quiet_start_hour",
            "quiet_end_hour",
            "journey_cap",
            "reminder_after_days",
            "time_zone",
        ]

    def clean(self):
        data = super().clean()
        for name in ("quiet_start_hour", "quiet_end_hour"):
            value = data.get(name)
            if value is not None and not 0 <= value <= 23:
                self.add_error(name, _("An hour from 0 to 23."))
        zone = (data.get("time_zone") or "").strip()
        if zone:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                self.add_error("time_zone", _("Unknown time zone."))
        return data
