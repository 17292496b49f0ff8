"""The audit log: who saw or exported personal data, who changed what; CSV export is safe."""

from __future__ import annotations

import csv
import io

import pytest
import typer
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from typer.testing import CliRunner

from cxray.web.accounts.models import ApiToken, Role
from cxray.web.accounts.services import membership_set
from cxray.web.audit.models import AuditEvent
from cxray.web.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(two_companies):
    client = Client()
    client.force_login(two_companies[0]["admin"])
    return client


def test_reading_comments_and_exporting_are_recorded_with_who_and_where(admin_client):
    admin_client.get(reverse("text", args=["alpha"]), REMOTE_ADDR="10.1.2.3")
    admin_client.get(reverse("export", args=["alpha"]))
    events = list(AuditEvent.objects.order_by("pk").values("action", "kind", "actor", "via", "ip"))
    assert events == [
        {
            "action": "comments.view",
            "kind": "read",
            "actor": "alpha-admin",
            "via": "web",
            "ip": "10.1.2.3",
        },
        {
            "action": "workspace.export",
            "kind": "read",
            "actor": "alpha-admin",
            "via": "web",
            "ip": "127.0.0.1",
        },
    ]
    assert AuditEvent.objects.filter(workspace_slug="alpha").count() == 2


def test_pages_without_personal_data_are_not_recorded(admin_client):
    assert admin_client.get(reverse("scores", args=["alpha"])).status_code == 200
    assert not AuditEvent.objects.exists()


def test_settings_changes_and_token_revocation_are_recorded(admin_client, two_companies):
    created = admin_client.post(
        reverse("settings", args=["alpha"]), {"action": "token", "name": "exporter"}
    )
    assert created.status_code == 302
    token = ApiToken.objects.get(name="exporter")
    admin_client.post(reverse("token_revoke", args=["alpha", token.pk]))
    assert list(AuditEvent.objects.order_by("pk").values_list("action", "object_id")) == [
        ("settings.token", ""),
        ("token_revoke", f"pk={token.pk}"),
    ]
    # A refused change (an invalid form answers 200) is not logged as a change.
    admin_client.post(reverse("settings", args=["alpha"]), {"action": "token", "name": ""})
    assert AuditEvent.objects.count() == 2


def test_api_reads_of_personal_data_name_the_token(two_companies):
    token = two_companies[0]["token"]
    response = Client().get("/api/v1/employees", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert (event.action, event.via, event.kind) == ("employees.read", "api", "read")
    assert event.actor.startswith("alpha-admin · token test (cx_")
    assert event.token is not None and event.workspace_slug == "alpha"


def test_audit_page_is_for_administrators_with_filters(admin_client, two_companies):
    audit_record(action="workspace.export", kind="read", workspace=two_companies[0]["ws"])
    audit_record(action="settings.member", workspace=two_companies[0]["ws"])
    audit_record(action="workspace.export", kind="read", workspace=two_companies[1]["ws"])
    page = admin_client.get(reverse("audit_log", args=["alpha"]), {"action": "settings"})
    assert page.status_code == 200
    assert [e.action for e in page.context["events"]] == ["settings.member"]
    assert page.context["total"] == 1
    # Another workspace's log is not reachable; a manager below admin is refused.
    assert admin_client.get(reverse("audit_log", args=["beta"])).status_code == 404
    manager = get_user_model().objects.create_user(username="m", password="x-long-pass-1")
    membership_set(user=manager, workspace=two_companies[0]["ws"], role=Role.CX_MANAGER)
    other = Client()
    other.force_login(manager)
    assert other.get(reverse("audit_log", args=["alpha"])).status_code == 403


def test_csv_export_neutralises_formulas(admin_client, two_companies):
    ws = two_companies[0]["ws"]
    audit_record(action="import", workspace=ws, detail='=HYPERLINK("http://evil","x")')
    audit_record(action="import", workspace=ws, detail="+1 more", object_id="@SUM(A1)")
    response = admin_client.get(reverse("audit_log", args=["alpha"]), {"format": "csv"})
    assert response["Content-Type"] == "text/csv"
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    details = sorted(r["detail"] for r in rows if r["action"] == "import")
    assert details == ["'+1 more", '\'=HYPERLINK("http://evil","x")']
    assert "'@SUM(A1)" in [r["object_id"] for r in rows]


def test_api_audit_log_for_admin_tokens(two_companies):
    audit_record(action="settings.member", workspace=two_companies[0]["ws"])
    response = Client().get(
        "/api/v1/audit",
        {"action": "settings"},
        HTTP_AUTHORIZATION=f"Bearer {two_companies[0]['token']}",
    )
    assert response.status_code == 200
    assert [e["action"] for e in response.json()] == ["settings.member"]


def test_cli_commands_are_recorded_as_the_os_user(two_companies):
    from cxray.cli_trust import _wrap_commands

    app = typer.Typer()
    sub = typer.Typer()

    @app.command()
    def export(workspace: str = typer.Option(...)) -> None:
        typer.echo("exported")

    @app.command()
    def other() -> None:
        typer.echo("nothing audited")

    @sub.command("revoke")
    def revoke(workspace: str = typer.Option(...)) -> None:
        typer.echo("revoked")

    app.add_typer(sub, name="token")
    _wrap_commands(app, "")
    runner = CliRunner()
    assert runner.invoke(app, ["export", "--workspace", "alpha"]).exit_code == 0
    assert runner.invoke(app, ["token", "revoke", "--workspace", "beta"]).exit_code == 0
    assert runner.invoke(app, ["other"]).exit_code == 0
    events = list(AuditEvent.objects.order_by("pk").values_list("action", "workspace_slug", "via"))
    assert events == [("workspace.export", "alpha", "cli"), ("token.revoke", "beta", "cli")]
    assert AuditEvent.objects.first().actor.endswith("(command line)")


def test_tokens_are_scoped_to_one_workspace_and_revocable(two_companies):
    a, b = two_companies
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {a['token']}"}
    assert client.get("/api/v1/workspace", **auth).json()["slug"] == "alpha"
    # The token decides the workspace: B's employees never appear through A's token.
    codes = {e["code"] for e in client.get("/api/v1/employees", **auth).json()}
    assert codes == {"alpha-e1", "alpha-e2"}
    ApiToken.objects.filter(workspace=a["ws"]).update(revoked_at="2026-01-01T00:00:00Z")
    assert client.get("/api/v1/workspace", **auth).status_code == 401
    # A token whose user left the workspace stops working too.
    auth_b = {"HTTP_AUTHORIZATION": f"Bearer {b['token']}"}
    assert client.get("/api/v1/workspace", **auth_b).status_code == 200
    b["admin"].memberships.all().delete()
    assert client.get("/api/v1/workspace", **auth_b).status_code == 401
