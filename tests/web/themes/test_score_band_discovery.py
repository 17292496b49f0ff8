"""Theme discovery among one score band: what detractors write about, without the promoters.

Alpha's detractors (NPS 0-6) write about waiting and rude staff, its promoters (9-10) about
prices, two passives (7, 8) and a few CSAT answers sit beside them. Discovering among
detractors must find waiting and rudeness and never a price theme; among promoters, only
prices.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import translation
from typer.testing import CliRunner

from cxray.cli import app
from cxray.errors import InvalidInputError
from cxray.web.themes.models import DiscoveryRun
from cxray.web.themes.services import (
    _recent_texts,
    discovery_run,
    score_filter_key,
)

from .helpers import add_comments
from .texts import PRICE, RUDE, WAIT

pytestmark = pytest.mark.django_db

DETRACTOR_TEXTS = [t for topic in (WAIT, RUDE) for items in topic.values() for t in items]
PROMOTER_TEXTS = [t for items in PRICE.values() for t in items]
PRICE_WORDS = ("цен", "цін", "дорог", "price", "expensive", "вартіст", "стоим")


def topic_keys() -> dict[str, set[str]]:
    """Response keys per topic, as ``banded`` writes them."""
    n_wait = sum(len(v) for v in WAIT.values())
    n_det = len(DETRACTOR_TEXTS)
    return {
        "wait": {f"t{i}" for i in range(n_wait)},
        "rude": {f"t{i}" for i in range(n_wait, n_det)},
        "price": {f"t{200 + i}" for i in range(len(PROMOTER_TEXTS))},
    }


@pytest.fixture
def banded(two_companies):
    a, b = two_companies
    # Detractors score 0..6 in turn (6 is still a detractor), promoters 9 and 10.
    add_comments(a, DETRACTOR_TEXTS, scores=[float(i % 7) for i in range(len(DETRACTOR_TEXTS))])
    add_comments(
        a, PROMOTER_TEXTS, first=200, scores=[9.0 + i % 2 for i in range(len(PROMOTER_TEXTS))]
    )
    add_comments(a, ["Нормально, без особых впечатлений.", "Ok overall."], first=300, scores=[7, 8])
    add_comments(
        a,
        ["Очень долго ждали", "Ждали час", "Нормально", "Быстро и вежливо", "Отлично"],
        first=400,
        scores=[1, 2, 3, 4, 5],
        metric="csat",
    )
    # Beta's detractors write about prices: a filter must not reach across workspaces.
    add_comments(b, PROMOTER_TEXTS, scores=[2.0] * len(PROMOTER_TEXTS))
    return a, b


def test_bands_follow_the_metric_buckets(banded):
    a, _b = banded
    ws = a["ws"]

    def keys(score_filter: str) -> set[str]:
        return {r["key"] for r in _recent_texts(ws, "comment", 10_000, score_filter)}

    keyed = topic_keys()
    assert keys("nps:low") == keyed["wait"] | keyed["rude"]  # 90 texts, scores 0-6
    assert keys("nps:middle") == {"t300", "t301"}
    assert keys("nps:top") == keyed["price"]
    assert len(keys("nps")) == 90 + 45 + 2
    assert keys("csat:low") == {"t400", "t401"}
    assert keys("csat:middle") == {"t402"}
    assert keys("csat:top") == {"t403", "t404"}
    assert len(keys("")) == 90 + 45 + 2 + 5


def test_bad_filters_say_what_to_give():
    translation.activate("en")  # the messages are translated; Russian is the default
    assert score_filter_key("NPS", "Low") == "nps:low"
    assert score_filter_key("csat", None) == "csat"
    assert score_filter_key(None, None) == ""
    with pytest.raises(InvalidInputError, match="metric must be one of nps, csat, ces, enps"):
        score_filter_key("churn", "low")
    with pytest.raises(InvalidInputError, match="band must be one of low, middle, top"):
        score_filter_key("nps", "detractors")
    with pytest.raises(InvalidInputError, match="needs its metric"):
        score_filter_key(None, "low")


def test_discovery_among_detractors_finds_their_topics_and_not_the_promoters(banded):
    a, _b = banded
    keyed = topic_keys()
    run = discovery_run(workspace=a["ws"], field="comment", score_filter="nps:low")
    assert run.status == "done", run.error
    assert run.score_filter == "nps:low" and run.n_texts == 90
    themes = list(run.themes.all())
    members = {k for t in themes for k in t.members}
    assert members == keyed["wait"] | keyed["rude"]
    assert not members & keyed["price"]
    # Each detractor topic is the majority of one theme.
    majorities = set()
    for t in themes:
        for topic in ("wait", "rude"):
            if len(set(t.members) & keyed[topic]) > t.size / 2:
                majorities.add(topic)
    assert majorities == {"wait", "rude"}
    words = " ".join(
        [t.label for t in themes]
        + [lbl for t in themes for lbl in t.labels.values()]
        + [q["text"] for t in themes for q in t.quotes]
    ).lower()
    assert not any(w in words for w in PRICE_WORDS), words

    promoters = discovery_run(workspace=a["ws"], field="comment", score_filter="nps:top")
    assert promoters.status == "done", promoters.error
    assert promoters.n_texts == 45
    assert {k for t in promoters.themes.all() for k in t.members} == keyed["price"]
    # The run over every answer is still there, next to the banded ones.
    assert DiscoveryRun.objects.filter(workspace=a["ws"], score_filter="nps:low").count() == 1


def test_too_few_texts_in_a_band_fail_with_the_band_named(banded):
    a, _b = banded
    run = discovery_run(workspace=a["ws"], field="comment", score_filter="nps:middle")
    assert run.status == "failed"
    assert run.error == "2 analysed texts in nps:middle; theme discovery needs at least 10"


def test_page_api_and_cli_take_the_band(client, banded, settings):
    settings.CXRAY_THEMES_INLINE = True
    a, b = banded
    url = reverse("themes", args=["alpha"])
    client.force_login(a["admin"])
    posted = client.post(url, {"action": "run", "field": "comment", "score": "nps:low"})
    assert posted.status_code == 302 and "score=nps%3Alow" in posted["Location"]
    run = DiscoveryRun.objects.get(workspace=a["ws"])
    assert (run.status, run.score_filter, run.n_texts) == ("done", "nps:low", 90)
    page = client.get(url, {"score": "nps:low"}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "only answers of NPS detractors (0–6)" in html
    assert '<option value="nps:low" selected>' in html
    # Without the band the page shows the run over every answer: there is none yet.
    assert (
        "Themes have not been discovered yet."
        in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )

    auth = {"HTTP_AUTHORIZATION": f"Bearer {a['token']}", "HTTP_ACCEPT_LANGUAGE": "en"}
    got = client.get("/api/v1/themes", {"metric": "nps", "band": "low"}, **auth)
    assert got.status_code == 200
    body = got.json()
    assert body["run"]["id"] == run.pk and body["run"]["score_filter"] == "nps:low"
    assert sum(t["size"] for t in body["themes"]) == 90
    started = client.post(
        "/api/v1/themes/discover",
        {"metric": "nps", "band": "top"},
        content_type="application/json",
        **auth,
    )
    assert started.status_code == 202, started.content
    assert started.json()["run"]["n_texts"] == 45
    assert sum(t["size"] for t in started.json()["themes"]) == 45
    bad = client.get("/api/v1/themes", {"metric": "nps", "band": "promoters"}, **auth)
    assert bad.status_code == 400 and "band must be one of low, middle, top" in bad.json()["detail"]
    # Beta's token reads beta's runs only.
    beta = client.get(
        "/api/v1/themes",
        {"metric": "nps", "band": "low"},
        HTTP_AUTHORIZATION=f"Bearer {b['token']}",
    )
    assert beta.json() == {"run": None, "themes": []}

    runner = CliRunner()
    out = runner.invoke(
        app, ["text", "discover", "-w", "alpha", "--metric", "nps", "--band", "low", "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["score_filter"] == "nps:low" and data["n_texts"] == 90
    assert sum(t["size"] for t in data["themes"]) == 90
    wrong = runner.invoke(
        app, ["text", "discover", "-w", "alpha", "--band", "low"], env={"CXRAY_LANGUAGE": "en"}
    )
    assert wrong.exit_code != 0 and "needs its metric" in str(wrong.exception)
