from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class WorkspaceForm(forms.Form):
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=50,
        help_text=_("Latin letters, digits and dashes; used in links and on the command line."),
    )
    name = forms.CharField(label=_("Company name"), max_length=200)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="UAH")
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
