"""A detractor answers on the public survey page; a case opens for the touchpoint's owner, who
reacts on the case page; the cases page then shows the reaction time."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from cxray.web.accounts.models import Role
from cxray.web.accounts.services import membership_set
from cxray.web.cases.intake import case_intake_wait
from cxray.web.cases.models import Case
from cxray.web.surveys.services import survey_create, survey_publish

from ..conftest import make_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_detractor_opens_a_case_and_the_owner_reacts(browser, live_server, page, login, settings):
    # The case opens in the request's after-commit hook, not in the background thread: the
    # in-memory test database's table locks fail a second writer at once instead of waiting.
    settings.CXRAY_CASES_INLINE = True
    a = make_company("alpha", n_promoters=0, n_detractors=0)
    owner = get_user_model().objects.create_user("dept-mgr", "dept@example.com", "pw-12345-xyz")
    membership_set(user=owner, workspace=a["ws"], role=Role.UNIT_MANAGER, unit=a["dept"])
    survey = survey_publish(
        survey=survey_create(
            workspace=a["ws"],
            name="After the visit",
            purpose="Evening hours",
            owner_user=a["admin"],
            touchpoint=a["tp"],
        )
    )
    # The respondent, on their own (no login): score 2 with a comment.
    respondent = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    rp = respondent.new_page()
    rp.goto(f"{live_server.url}/s/{survey.public_token}/?lang=en&c=cust-42")
    rp.click("label[for=s2]")
    rp.fill("#comment", "Waited forty minutes at the front desk")
    rp.get_by_role("button", name="Send").click()
    rp.wait_for_load_state()
    assert "Thank you" in rp.inner_text("body")
    respondent.close()

    assert case_intake_wait()
    case = Case.objects.get()
    assert (case.owner_unit, case.owner_user, case.customer_id) == (a["dept"], owner, "cust-42")

    login("dept-mgr", "pw-12345-xyz")
    page.goto(f"{page.base_url}/w/alpha/cases/?lang=en")
    assert page.locator('[data-figure="open"]').inner_text() == "1"
    page.click(f"a[href='/w/alpha/cases/{case.pk}/']")
    page.fill("form:has(input[value=contact]) textarea[name=text]", "Called, apologised")
    page.get_by_role("button", name="Log contact").click()
    page.wait_for_load_state()
    assert "Called, apologised" in page.inner_text("main")
    assert page.locator("[data-status]").get_attribute("data-status") == "in_progress"

    page.goto(f"{page.base_url}/w/alpha/cases/?lang=en")
    tile = page.locator('[data-figure="first-reaction-median"]').inner_text()
    assert tile.endswith("h") and float(tile.split()[0]) < 1  # reacted within the hour
    assert page.locator('[data-figure="within-deadline"]').inner_text() == "100%"
    assert page.locator("[data-reaction-time]").count() == 1
    case.refresh_from_db()
    assert case.first_reaction_at is not None and case.first_reaction_at <= case.due_at
