"""The demo company comes with initiatives, and its leadership report fits one page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cxray.demo import generate
from cxray.web.initiatives.models import Initiative
from cxray.web.workspaces.demo import demo_install

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_initiatives_and_report(client):
    company = generate(seed=7, n_patients=3_000, end=date.today())
    logins = demo_install(company=company)
    assert client.login(username="demo", password=logins[0].password)
    started = Initiative.objects.get(workspace__slug="demo", started__isnull=False)
    assert started.items.filter(done=True).count() == 2
    html = client.get(
        reverse("initiative_detail", args=["demo", started.pk]), {"lang": "en"}
    ).content.decode()
    # Kyiv's two branches against the other units: measured, with an interval.
    assert "Difference in differences" in html and "95% interval" in html
    pdf = client.get(reverse("leadership_report_pdf", args=["demo"]), {"language": "ru"})
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert started.title in text.replace("\n", " ")
