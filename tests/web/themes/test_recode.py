"""Re-applying people's corrections to texts analysed before them (web, CLI, API)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from typer.testing import CliRunner

from cxray.cli import app
from cxray.web.accounts.models import Role
from cxray.web.accounts.scope import Scope
from cxray.web.accounts.services import membership_set
from cxray.web.analytics_store import analytics
from cxray.web.themes.selectors import code_counts
from cxray.web.themes.services import texts_recode

from .helpers import add_comments

pytestmark = pytest.mark.django_db

OLD_TEXTS = [
    "Мы ушли, потому что цены выросли вдвое.",  # t0: price on "цены выросли" (reviewed)
    "Ушли: цены выросли вдвое, а качество то же.",  # t1: the same phrase, never reviewed
    "Мы ушли, потому что дорого.",  # t2: price on "дорого": another phrase
    "Я перестала ходить, мой доктор уволился.",  # t3: person (reviewed: corrected)
    "Перестала ходить: мой доктор уволился, теперь к другому.",  # t4: the same phrase
]


@pytest.fixture
def analysed(two_companies):
    a, b = two_companies
    add_comments(a, OLD_TEXTS)
    add_comments(b, OLD_TEXTS[:2])
    return a, b


def codes(slug: str) -> dict[str, list[str]]:
    with analytics() as store:
        t = store.table("response_texts", slug)
        rows = t.select("response_key", "codes").to_pyarrow().to_pylist()
    return {r["response_key"]: r["codes"].split(",") for r in rows}


def review(client, key: str, item: str, verdict: str, corrected: str = "") -> None:
    page = client.post(
        reverse("theme_codes", args=["alpha"]),
        {
            "response_key": key,
            "field": "comment",
            "item": item,
            "verdict": verdict,
            "corrected_code": corrected,
        },
    )
    assert page.status_code == 302


def test_recode_applies_verdicts_to_older_texts_once_and_only_in_the_workspace(client, analysed):
    a, b = analysed
    before = codes("alpha")
    assert "churn_reason:price" in before["t1"] and "churn_reason:person" in before["t4"]
    client.force_login(a["admin"])
    review(client, "t0", "churn_reason:price", "rejected")
    review(client, "t3", "churn_reason:person", "corrected", "not_needed")
    # A verdict alone changes no stored text: the older texts still carry the codes.
    assert codes("alpha") == before

    result = texts_recode(workspace=a["ws"])
    after = codes("alpha")
    # t0, t1 hold "цены выросли", t3, t4 "мой доктор уволился"; t1 and t4 change.
    assert (result.examined, result.changed, result.verdicts) == (4, 2, 2)
    assert after["t1"] == ["purchase_factor:financial", "purchase_factor:technical"]
    assert after["t4"] == ["churn_reason:not_needed"]
    # Reviewed texts keep what their own review judges; another phrase keeps its code.
    assert after["t0"] == before["t0"] and after["t3"] == before["t3"]
    assert after["t2"] == before["t2"] and "churn_reason:price" in after["t2"]
    counts = {(c.scheme, c.code): c for c in code_counts(workspace=a["ws"], scope=Scope())}
    price = counts[("churn_reason", "price")]
    assert (price.count, price.machine, price.rejected) == (1, 2, 1)  # t2 left; t0 rejected
    not_needed = counts[("churn_reason", "not_needed")]
    assert (not_needed.count, not_needed.machine, not_needed.confirmed) == (2, 1, 1)

    again = texts_recode(workspace=a["ws"])
    assert (again.examined, again.changed) == (4, 0)
    assert codes("alpha") == after
    # Beta has the same texts and no verdicts: untouched.
    assert "churn_reason:price" in codes("beta")["t1"]
    assert texts_recode(workspace=b["ws"]).changed == 0
    assert "churn_reason:price" in codes("beta")["t1"]


def test_recode_from_the_page_the_api_and_the_cli(client, analysed):
    a, b = analysed
    client.force_login(a["admin"])
    review(client, "t0", "churn_reason:price", "rejected")
    url = reverse("theme_codes", args=["alpha"])
    assert 'value="recode"' in client.get(url).content.decode()
    done = client.post(url, {"action": "recode"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert (
        "Corrections re-applied to texts analysed earlier: 1 of 2 texts with a reviewed "
        "phrase changed." in done.content.decode()
    )
    assert "churn_reason:price" not in codes("alpha")["t1"]

    review(client, "t3", "churn_reason:person", "corrected", "not_needed")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {a['token']}"}
    api = client.post("/api/v1/themes/recode", **auth)
    assert api.status_code == 200 and api.json() == {"examined": 4, "changed": 1, "verdicts": 2}
    assert codes("alpha")["t4"] == ["churn_reason:not_needed"]

    out = CliRunner().invoke(app, ["text", "recode", "--workspace", "alpha", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == {"examined": 4, "changed": 0, "verdicts": 2}
    beta = client.post("/api/v1/themes/recode", HTTP_AUTHORIZATION=f"Bearer {b['token']}")
    assert beta.json() == {"examined": 0, "changed": 0, "verdicts": 0}


def test_only_people_who_may_review_can_recode(client, analysed):
    a, _b = analysed
    viewer = get_user_model().objects.create_user(username="alpha-v", password="pw-12345-xyz")
    membership_set(user=viewer, workspace=a["ws"], role=Role.VIEWER)
    client.force_login(viewer)
    url = reverse("theme_codes", args=["alpha"])
    assert 'value="recode"' not in client.get(url).content.decode()
    assert client.post(url, {"action": "recode"}).status_code == 403
