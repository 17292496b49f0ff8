"""Reason codes reviewed by a person: the counts follow the verdict, per workspace."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cxray.web.accounts.models import Role
from cxray.web.accounts.scope import Scope, scope_for
from cxray.web.accounts.services import membership_set
from cxray.web.analytics_store import analytics
from cxray.web.themes.models import CodeReview
from cxray.web.themes.selectors import code_counts, coded_texts

from .helpers import add_comments

pytestmark = pytest.mark.django_db

CHURN_TEXTS = [
    "Ушла вслед за врачом в другую клинику.",  # t0: person + competitor (dept)
    "Я перестала ходить, потому что мой доктор уволился.",  # t1: person (other)
    "Мы ушли, потому что цены выросли вдвое.",  # t2: price + financial (dept)
    "Switched to another provider, it is cheaper.",  # t3: competitor + financial (other)
    "Врачи внимательные, всё объяснили.",  # t4: service (dept)
    "Просто хорошая погода сегодня.",  # t5: no code
]


def count_of(counts, scheme: str, code: str):
    return next((c for c in counts if (c.scheme, c.code) == (scheme, code)), None)


@pytest.fixture
def coded(two_companies):
    a, b = two_companies
    add_comments(a, CHURN_TEXTS)
    add_comments(b, ["Перешли к конкурентам, там дешевле."])
    return a, b


def review(client, slug: str, key: str, item: str, verdict: str, corrected: str = ""):
    return client.post(
        reverse("theme_codes", args=[slug]) + "?code=churn_reason%3Aperson",
        {
            "response_key": key,
            "field": "comment",
            "item": item,
            "verdict": verdict,
            "corrected_code": corrected,
        },
    )


def test_codes_page_lists_coded_texts_with_evidence_and_filters(client, coded):
    a, _b = coded
    client.force_login(a["admin"])
    page = client.get(reverse("theme_codes", args=["alpha"]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "вслед за врачом" in html and "Attachment to a person" in html
    assert "погода" not in html  # no code, not listed
    assert "Перешли к конкурентам" not in html  # beta's text
    only = client.get(reverse("theme_codes", args=["alpha"]), {"code": "churn_reason:person"})
    html = only.content.decode()
    assert "вслед за врачом" in html and "мой доктор" in html and "цены выросли" not in html
    total, rows = coded_texts(workspace=a["ws"], scope=Scope(), code="churn_reason:person")
    assert total == 2 and {r.response_key for r in rows} == {"t0", "t1"}
    person = next(i for i in rows[0].items if i.code == "person")
    assert person.evidence and person.confidence


def test_confirm_reject_and_correct_change_the_counts(client, coded):
    a, _b = coded
    before = code_counts(workspace=a["ws"], scope=Scope())
    person = count_of(before, "churn_reason", "person")
    assert (person.count, person.machine, person.confirmed) == (2, 2, 0)
    client.force_login(a["admin"])
    assert review(client, "alpha", "t0", "churn_reason:person", "confirmed").status_code == 302
    # "the doctor left" read as attachment to a person; a person says: not needed any more.
    review(client, "alpha", "t1", "churn_reason:person", "corrected", "not_needed")
    review(client, "alpha", "t3", "churn_reason:competitor", "rejected")
    after = code_counts(workspace=a["ws"], scope=Scope())
    person = count_of(after, "churn_reason", "person")
    assert (person.count, person.machine, person.confirmed, person.corrected_away) == (1, 2, 1, 1)
    not_needed = count_of(after, "churn_reason", "not_needed")
    assert (not_needed.count, not_needed.machine, not_needed.confirmed) == (1, 0, 1)
    competitor = count_of(after, "churn_reason", "competitor")
    assert (competitor.count, competitor.machine, competitor.rejected) == (1, 2, 1)
    # A second verdict on the same code replaces the first.
    review(client, "alpha", "t0", "churn_reason:person", "rejected")
    assert CodeReview.objects.filter(response_key="t0").count() == 1
    assert (
        count_of(code_counts(workspace=a["ws"], scope=Scope()), "churn_reason", "person").count == 0
    )
    page = client.get(reverse("theme_codes", args=["alpha"]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "confirmed 1 of 1" in html  # not_needed, corrected into by a person
    assert "corrected to No longer needed" in html


def test_bad_reviews_are_refused(client, coded):
    a, _b = coded
    client.force_login(a["admin"])
    review(client, "alpha", "t4", "churn_reason:person", "confirmed")  # t4 has no such code
    review(client, "alpha", "t1", "churn_reason:person", "corrected", "person")  # same code
    review(client, "alpha", "t1", "churn_reason:person", "corrected", "technical")  # other scheme
    review(client, "alpha", "t1", "churn_reason:person", "maybe")
    review(client, "alpha", "t1", "made_up:person", "confirmed")
    assert not CodeReview.objects.exists()


def test_reviews_stay_in_their_workspace(client, coded):
    a, b = coded
    client.force_login(b["admin"])
    assert client.get(reverse("theme_codes", args=["alpha"])).status_code == 404
    assert review(client, "alpha", "t0", "churn_reason:person", "confirmed").status_code == 404
    # Through its own URL, beta cannot review alpha's text: beta has no such text.
    review(client, "beta", "t0", "churn_reason:person", "confirmed")
    assert not CodeReview.objects.exists()
    review(client, "beta", "t0", "churn_reason:competitor", "rejected")  # beta's own t0
    assert CodeReview.objects.get().workspace == b["ws"]
    alpha = count_of(code_counts(workspace=a["ws"], scope=Scope()), "churn_reason", "competitor")
    assert alpha.rejected == 0 and alpha.count == 2


def test_viewers_read_and_unit_managers_see_only_their_scope(client, coded):
    a, _b = coded
    User = get_user_model()
    viewer = User.objects.create_user(username="alpha-viewer", password="pw-12345-xyz")
    membership_set(user=viewer, workspace=a["ws"], role=Role.VIEWER)
    client.force_login(viewer)
    assert client.get(reverse("theme_codes", args=["alpha"])).status_code == 200
    assert review(client, "alpha", "t0", "churn_reason:person", "confirmed").status_code == 403
    manager = User.objects.create_user(username="alpha-um", password="pw-12345-xyz")
    m = membership_set(user=manager, workspace=a["ws"], role=Role.UNIT_MANAGER, unit=a["dept"])
    scope = scope_for(m)
    total, rows = coded_texts(workspace=a["ws"], scope=scope)
    assert {r.response_key for r in rows} == {"t0", "t2", "t4"} and total == 3
    person = count_of(code_counts(workspace=a["ws"], scope=scope), "churn_reason", "person")
    assert person.count == 1
    client.force_login(manager)
    html = client.get(reverse("theme_codes", args=["alpha"])).content.decode()
    assert "мой доктор" not in html and "вслед за врачом" in html


def test_a_rejected_code_is_not_given_again_to_new_texts(client, coded):
    a, _b = coded
    client.force_login(a["admin"])
    # t2 "цены выросли вдвое" was coded churn_reason:price; a person says that is wrong here.
    review(client, "alpha", "t2", "churn_reason:price", "rejected")
    # t1: the person code is corrected to not_needed (an odd verdict, but it is theirs).
    review(client, "alpha", "t1", "churn_reason:person", "corrected", "not_needed")
    add_comments(
        a,
        ["Ушли: цены выросли вдвое, а качество то же.", "Я перестала ходить, мой доктор уволился."],
        first=100,
    )
    with analytics() as store:
        t = store.table("response_texts", "alpha")
        codes = dict(
            (r["response_key"], r["codes"].split(","))
            for r in t.filter(t.response_key.isin(["t100", "t101"]))
            .select("response_key", "codes")
            .to_pyarrow()
            .to_pylist()
        )
    assert "churn_reason:price" not in codes["t100"]
    assert "purchase_factor:financial" in codes["t100"]  # only the rejected code goes
    assert "churn_reason:person" not in codes["t101"]
    assert "churn_reason:not_needed" in codes["t101"]
    # Another workspace's texts are coded as before.
    add_comments(_b, ["Мы ушли, потому что цены выросли вдвое."], first=100)
    with analytics() as store:
        t = store.table("response_texts", "beta")
        row = t.filter(t.response_key == "t100").select("codes").to_pyarrow().to_pylist()[0]
    assert "churn_reason:price" in row["codes"].split(",")
