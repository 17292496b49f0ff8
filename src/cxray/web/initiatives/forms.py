"""The initiative form: the same fields as :func:`services.initiative_create`."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cxray.web.initiatives.models import Outcome, Status
from cxray.web.journeys.models import Touchpoint
from cxray.web.people.models import Employee, Unit
from cxray.web.workspaces.models import Workspace


def _refs(value: str) -> list[str]:
    return [v.strip() for v in value.replace("\n", ",").split(",") if v.strip()]


class InitiativeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What will change"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        required=False,
        help_text=_("Where the idea came from: a group of cases, a journey audit, a theme."),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=get_user_model().objects.none(), required=False
    )
    owner_unit = forms.ModelChoiceField(
        label=_("Owner unit"), queryset=Unit.objects.none(), required=False
    )
    due = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, initial=Status.PROPOSED)
    touchpoints = forms.ModelMultipleChoiceField(
        label=_("Touchpoints"),
        queryset=Touchpoint.objects.none(),
        required=False,
        to_field_name="code",
    )
    themes = forms.CharField(
        label=_("Themes"), required=False, help_text=_("Theme ids or names, separated by commas.")
    )
    journey_steps = forms.CharField(
        label=_("Journey steps"),
        required=False,
        help_text=_("Step references, separated by commas."),
    )
    treated_units = forms.ModelMultipleChoiceField(
        label=_("Units where the change is made"),
        queryset=Unit.objects.none(),
        required=False,
        to_field_name="code",
        help_text=_("The other units are the comparison group for the measured effect."),
    )
    treated_segment = forms.CharField(
        label=_("…or the customer segment it is made for"), max_length=100, required=False
    )
    started = forms.DateField(
        label=_("Start date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The effect is measured from this date on."),
    )
    outcome = forms.ChoiceField(
        label=_("Measure the effect on"), choices=Outcome.choices, initial=Outcome.NPS
    )
    expected_effect = forms.DecimalField(
        label=_("Expected effect per year (money)"), required=False, max_digits=16, decimal_places=2
    )

    def __init__(self, *args, workspace: Workspace, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(memberships__workspace=workspace)
        self.fields["owner"].queryset = users.order_by("username")
        units = Unit.objects.filter(workspace=workspace)
        self.fields["owner_unit"].queryset = units
        self.fields["treated_units"].queryset = units
        self.fields["touchpoints"].queryset = Touchpoint.objects.filter(workspace=workspace)

    def clean_themes(self) -> list[str]:
        return _refs(self.cleaned_data.get("themes") or "")

    def clean_journey_steps(self) -> list[str]:
        return _refs(self.cleaned_data.get("journey_steps") or "")

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        d["touchpoint_codes"] = [t.code for t in d.pop("touchpoints")]
        d["treated_units"] = list(d["treated_units"])
        return d


class ActionItemForm(forms.Form):
    task = forms.CharField(label=_("Task"), max_length=300)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=get_user_model().objects.none(), required=False
    )
    employee = forms.ModelChoiceField(
        label=_("About employee"),
        queryset=Employee.objects.none(),
        required=False,
        help_text=_("Shown on that employee's KPI page as an action that helps them."),
    )
    due = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, workspace: Workspace, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(memberships__workspace=workspace)
        self.fields["owner"].queryset = users.order_by("username")
        self.fields["employee"].queryset = Employee.objects.filter(workspace=workspace)
