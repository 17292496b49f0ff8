from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import Employee, Unit
from cxray.web.surveys.models import Survey
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
