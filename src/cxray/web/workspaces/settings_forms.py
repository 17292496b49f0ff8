from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cxray.web.accounts.models import Role
from cxray.web.people.models import Employee, Unit, UnitKind
from cxray.web.workspaces.models import Workspace


class WorkspaceEditForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ["name", "currency", "language", "churn_lag_days"]


class MemberForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = forms.ModelChoiceField(
        label=_("Unit (for a unit manager)"), queryset=Unit.objects.none(), required=False
    )
    employee = forms.ModelChoiceField(
        label=_("Employee (for a frontline employee)"),
        queryset=Employee.objects.none(),
        required=False,
    )

    def __init__(self, *args, workspace: Workspace, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(workspace=workspace)
        self.fields["employee"].queryset = Employee.objects.filter(
            workspace=workspace, left__isnull=True
        )


class UnitForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64, allow_unicode=True)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Level"), choices=UnitKind.choices[1:])
    parent = forms.ModelChoiceField(label=_("Part of"), queryset=Unit.objects.none())

    def __init__(self, *args, workspace: Workspace, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Unit.objects.filter(workspace=workspace).exclude(
            kind=UnitKind.DEPARTMENT
        )


class TokenForm(forms.Form):
    name = forms.CharField(label=_("What the token is for"), max_length=100)
