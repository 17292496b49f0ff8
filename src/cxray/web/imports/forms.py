from django import forms
from django.utils.translation import gettext_lazy as _

from cxray.web.imports.models import ImportKind

DATE_ORDERS = [
    ("", _("detect")),
    ("DMY", "31.12.2024"),
    ("MDY", "12/31/2024"),
    ("YMD", "2024-12-31"),
]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file contains"), choices=ImportKind.choices)
    file = forms.FileField(label=_("File (CSV, XLSX or JSON)"))
    date_order = forms.ChoiceField(label=_("Date order"), choices=DATE_ORDERS, required=False)
