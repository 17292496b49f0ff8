"""Discovered themes stored per workspace; renames and merges survive a re-analysis."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cxray.web.accounts.models import Role
from cxray.web.accounts.services import membership_set
from cxray.web.themes.models import DiscoveredTheme, DiscoveryRun, ThemeEdit
from cxray.web.themes.services import discovery_run, discovery_start

from .helpers import add_comments
from .texts import NEW_TEXTS, TOPICS

pytestmark = pytest.mark.django_db


def topic_texts() -> tuple[list[str], dict[str, str]]:
    texts, topic_of = [], {}
    for topic, by_language in TOPICS.items():
        for items in by_language.values():
            for text in items:
                topic_of[f"t{len(texts)}"] = topic
                texts.append(text)
    return texts, topic_of


def by_topic(run: DiscoveryRun, topic_of: dict[str, str]) -> dict[str, DiscoveredTheme]:
    out = {}
    for theme in run.themes.all():
        ((topic, _n),) = Counter(topic_of.get(k, "new") for k in theme.members).most_common(1)
        out.setdefault(topic, theme)
    return out


@pytest.fixture
def alpha_themes(two_companies):
    a, b = two_companies
    texts, topic_of = topic_texts()
    add_comments(a, texts)
    run = discovery_run(workspace=a["ws"], field="comment")
    assert run.status == "done", run.error
    return a, b, run, topic_of


def url(slug: str, name: str = "themes") -> str:
    return reverse(name, args=[slug])


def test_discovered_themes_are_stored_with_labels_quotes_and_members(client, alpha_themes):
    a, _b, run, topic_of = alpha_themes
    assert run.n_texts == 135 and run.k == 3 and run.silhouette is not None
    themes = list(run.themes.all())
    assert sum(t.size for t in themes) == 135
    assert all(t.quotes and t.label and len(t.centroid) == 512 for t in themes)
    assert all(q["language"] in ("ru", "uk", "en") for t in themes for q in t.quotes)
    assert set(by_topic(run, topic_of)) == {"wait", "price", "rude"}
    client.force_login(a["admin"])
    page = client.get(url("alpha"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    for t in themes:
        assert t.label in html and t.quotes[0]["text"][:40] in html


def test_rename_and_merge_stick_when_texts_change(client, alpha_themes):
    a, _b, run, topic_of = alpha_themes
    topics = by_topic(run, topic_of)
    wait = topics["wait"]
    client.force_login(a["admin"])
    saved = client.post(
        url("alpha"),
        {"action": "rename", "field": "comment", "theme_id": wait.theme_id, "label": "Очереди"},
    )
    assert saved.status_code == 302
    # Applied to the stored run at once, no re-analysis needed.
    assert run.themes.get(theme_id=wait.theme_id).label == "Очереди"
    assert "Очереди" in client.get(url("alpha")).content.decode()
    merge_ids = [topics["price"].theme_id, topics["rude"].theme_id]
    client.post(
        url("alpha"),
        {"action": "merge", "field": "comment", "theme_id": merge_ids, "label": "Деньги и хамство"},
    )
    merged = run.themes.get(label="Деньги и хамство")
    assert merged.size == topics["price"].size + topics["rude"].size
    assert run.themes.count() == 2

    # New comments arrive; a new run on the same texts plus the new ones.
    add_comments(a, NEW_TEXTS, first=1000, days_ago=1)
    again = discovery_run(workspace=a["ws"], field="comment", seed=1)
    assert again.status == "done" and again.n_texts == 141 and again.pk != run.pk
    renamed = again.themes.filter(label="Очереди")
    assert renamed.count() == 1 and renamed[0].theme_id == wait.theme_id
    kept = len(set(renamed[0].members) & set(wait.members)) / wait.size
    assert kept >= 0.8, kept
    assert {"t1000", "t1001", "t1002"} <= set(renamed[0].members)
    assert again.themes.filter(label="Деньги и хамство").exists()
    assert not again.notes


def test_split_then_undo(client, alpha_themes):
    a, _b, run, topic_of = alpha_themes
    wait = by_topic(run, topic_of)["wait"]
    client.force_login(a["admin"])
    client.post(url("alpha"), {"action": "split", "field": "comment", "theme_id": wait.theme_id})
    parts = sorted(
        run.themes.filter(theme_id__startswith=f"{wait.theme_id}.").values_list(
            "theme_id", flat=True
        )
    )
    assert parts == [f"{wait.theme_id}.1", f"{wait.theme_id}.2"]
    client.post(
        url("alpha"),
        {"action": "rename", "field": "comment", "theme_id": parts[0], "label": "Опоздания"},
    )
    assert run.themes.filter(label="Опоздания").exists()
    client.post(url("alpha"), {"action": "undo", "field": "comment"})
    client.post(url("alpha"), {"action": "undo", "field": "comment"})
    assert ThemeEdit.objects.count() == 0
    assert run.themes.filter(theme_id=wait.theme_id).exists() and run.themes.count() == 3


def test_bad_edits_are_refused_with_a_message(client, alpha_themes):
    a, _b, run, _topic_of = alpha_themes
    client.force_login(a["admin"])
    for data in (
        {"action": "rename", "theme_id": "T99", "label": "x"},
        {"action": "rename", "theme_id": run.themes.first().theme_id, "label": "  "},
        {"action": "merge", "theme_id": [run.themes.first().theme_id], "label": "x"},
        {"action": "nonsense"},
    ):
        response = client.post(url("alpha"), data, follow=True)
        assert response.status_code == 200
        assert next(iter(response.context["messages"])).level_tag == "error", data
    assert ThemeEdit.objects.count() == 0


def test_another_workspace_never_sees_or_edits_the_themes(client, alpha_themes):
    a, b, run, _topic_of = alpha_themes
    label = run.themes.first().label
    client.force_login(b["admin"])
    assert client.get(url("alpha")).status_code == 404
    rename = {"action": "rename", "theme_id": run.themes.first().theme_id, "label": "hacked"}
    assert client.post(url("alpha"), rename).status_code == 404
    assert client.post(url("alpha"), {"action": "run"}).status_code == 404
    own = client.get(url("beta")).content.decode()
    assert label not in own and "hacked" not in own
    # An edit saved in beta with alpha's theme ids never touches alpha's run.
    client.post(url("beta"), rename)
    assert not ThemeEdit.objects.filter(workspace=a["ws"]).exists()
    assert not run.themes.filter(label="hacked").exists()
    assert not DiscoveryRun.objects.filter(workspace=b["ws"]).exists()


def test_only_admin_and_cx_manager_edit_and_unit_managers_do_not_see(client, alpha_themes):
    a, _b, run, _topic_of = alpha_themes
    User = get_user_model()
    viewer = User.objects.create_user(username="alpha-viewer", password="pw-12345-xyz")
    membership_set(user=viewer, workspace=a["ws"], role=Role.VIEWER)
    manager = User.objects.create_user(username="alpha-um", password="pw-12345-xyz")
    membership_set(user=manager, workspace=a["ws"], role=Role.UNIT_MANAGER, unit=a["dept"])
    client.force_login(viewer)
    page = client.get(url("alpha"))
    assert page.status_code == 200 and 'value="rename"' not in page.content.decode()
    rename = {"action": "rename", "theme_id": run.themes.first().theme_id, "label": "x"}
    assert client.post(url("alpha"), rename).status_code == 403
    assert client.post(url("alpha"), {"action": "run"}).status_code == 403
    client.force_login(manager)
    assert client.get(url("alpha")).status_code == 403  # quotes span the whole workspace
    assert not ThemeEdit.objects.exists()


def test_reanalyse_button_starts_a_run_and_too_few_texts_fail_visibly(
    client, two_companies, settings
):
    settings.CXRAY_THEMES_INLINE = True
    a, _b = two_companies
    add_comments(a, ["Долго ждали", "Очень дорого", "Грубый персонал"])
    client.force_login(a["admin"])
    assert client.post(url("alpha"), {"action": "run", "field": "comment"}).status_code == 302
    run = DiscoveryRun.objects.get(workspace=a["ws"])
    assert run.status == "failed" and "at least" in run.error
    assert (
        "The last analysis failed"
        in client.get(url("alpha"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_background_start_runs_one_at_a_time(two_companies, monkeypatch):
    import threading

    from cxray.web.themes import services

    a, _b = two_companies
    release = threading.Event()
    calls = []

    def slow_run(**kwargs):
        calls.append(kwargs["run"].pk)
        release.wait(5)
        return kwargs["run"]

    monkeypatch.setattr(services, "discovery_run", slow_run)
    monkeypatch.setattr(services, "close_old_connections", lambda: None)
    first = discovery_start(workspace=a["ws"], field="comment")
    assert first is not None
    assert discovery_start(workspace=a["ws"], field="follow_up") is None
    assert services.discovery_running(workspace=a["ws"])
    release.set()
    for _ in range(50):
        if not services.discovery_running(workspace=a["ws"]):
            break
        threading.Event().wait(0.1)
    assert not services.discovery_running(workspace=a["ws"]) and calls == [first.pk]
