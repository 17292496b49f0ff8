"""``cxray check`` and ``cxray customer``: deployment safety and personal-data requests.

Kept apart from cli.py (which registers them with one line); thin like the rest of the CLI.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

customer_app = typer.Typer(
    help="Find a customer's personal data and erase it on request.", no_args_is_help=True
)
audit_app = typer.Typer(
    help="The audit log: who saw or exported personal data, who changed what.",
    no_args_is_help=True,
)
DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="CXRAY_DATA_DIR", help="Where cxray keeps its data."),
]
WorkspaceOpt = Annotated[str, typer.Option("--workspace", "-w", help="The workspace's short name.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _django(data_dir: Path | None, *, migrate: bool) -> None:
    from cxray import cli, paths

    if migrate:
        cli.setup(data_dir)
        return
    # A check must not change anything, so it skips the migrations `setup` applies.
    os.environ["CXRAY_DATA_DIR"] = str(paths.data_dir(data_dir))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxray.web.config.settings")
    import django

    django.setup()


def check(
    deploy: Annotated[
        bool, typer.Option("--deploy", help="Judge the settings for a server on a network.")
    ] = False,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Report unsafe settings with how to fix each; exit 1 when any is unsafe."""
    _django(data_dir, migrate=False)
    from django.core import checks

    from cxray.cli import _print_json, _t
    from cxray.web.security.checks import deploy_report, is_unsafe

    messages = deploy_report() if deploy else checks.run_checks()
    unsafe = (
        [m for m in messages if is_unsafe(m)]
        if deploy
        else [m for m in messages if m.level >= checks.ERROR]
    )
    rows = [
        {
            "id": m.id,
            "level": "unsafe" if is_unsafe(m) else "warning",
            "problem": str(m.msg),
            "fix": str(m.hint or ""),
        }
        for m in messages
    ]
    if as_json:
        _print_json({"safe": not unsafe, "findings": rows})
    else:
        for row in rows:
            typer.echo(f"{row['level'].upper():8} {row['id']}: {row['problem']}")
            if row["fix"]:
                typer.echo(f"         {_t('fix')}: {row['fix']}")
        if unsafe:
            typer.echo(
                _t("%(n)d unsafe setting(s): fix them before serving on a network")
                % {"n": len(unsafe)}
            )
        else:
            typer.echo(_t("no unsafe settings found"))
    if unsafe:
        sys.exit(1)


@customer_app.command("find")
def customer_find(
    query: Annotated[str, typer.Argument(help="A customer id, name, email or phone number.")],
    workspace: WorkspaceOpt,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Find a customer in both stores and show where their data lies (rows per table)."""
    _django(data_dir, migrate=True)
    from cxray.cli import _print_json
    from cxray.web.audit.models import Kind
    from cxray.web.audit.services import audit_record
    from cxray.web.privacy.services import customer_search
    from cxray.web.workspaces.services import workspace_get

    ws = workspace_get(slug=workspace)
    matches = customer_search(workspace=ws, query=query)
    audit_record(action="customers.search", kind=Kind.READ, workspace=ws, via="cli")
    if as_json:
        _print_json([m.as_dict() for m in matches])
        return
    for m in matches:
        where = ", ".join(f"{k} {v}" for k, v in m.rows.items())
        typer.echo(f"{m.customer_id or m.email}\t{m.name}\t{m.email}\t{m.phone}\t{where}")


@customer_app.command("erase")
def customer_erase(
    customer_id: Annotated[str, typer.Argument(help="The customer's id (or a contact's email).")],
    workspace: WorkspaceOpt,
    yes: Annotated[bool, typer.Option("--yes", help="Erase without asking.")] = False,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Erase everything about one customer from both stores (cannot be undone)."""
    _django(data_dir, migrate=True)
    from cxray.cli import _print_json, _t
    from cxray.web.privacy.services import customer_erase as erase
    from cxray.web.workspaces.services import workspace_get

    ws = workspace_get(slug=workspace)
    if not yes and not typer.confirm(
        _t("Erase everything about %(id)s in %(workspace)s? This cannot be undone.")
        % {"id": customer_id, "workspace": workspace}
    ):
        raise typer.Exit(1)
    removed = erase(workspace=ws, customer_id=customer_id)
    if as_json:
        _print_json({"removed": removed})
        return
    typer.echo(
        _t("erased %(n)d rows: %(where)s")
        % {"n": sum(removed.values()), "where": ", ".join(f"{k} {v}" for k, v in removed.items())}
    )


@audit_app.command("export")
def audit_export(
    file: Annotated[Path, typer.Argument(help="The CSV file to write ('-' for stdout).")],
    workspace: WorkspaceOpt,
    action: Annotated[str, typer.Option(help="Only actions starting with this.")] = "",
    since: Annotated[str, typer.Option(help="From this day (YYYY-MM-DD).")] = "",
    data_dir: DataDir = None,
) -> None:
    """Write the workspace's audit log as CSV (spreadsheet-safe)."""
    _django(data_dir, migrate=True)
    from datetime import date

    from cxray.errors import InvalidInputError
    from cxray.web.audit.models import Kind
    from cxray.web.audit.selectors import audit_csv, audit_event_list
    from cxray.web.audit.services import audit_record
    from cxray.web.workspaces.services import workspace_get

    ws = workspace_get(slug=workspace)
    try:
        day = date.fromisoformat(since) if since else None
    except ValueError as exc:
        raise InvalidInputError(f"--since {since!r} is not a date like 2026-01-31") from exc
    text = audit_csv(audit_event_list(workspace=ws, action=action, since=day).iterator())
    audit_record(action="audit.export", kind=Kind.READ, workspace=ws, via="cli")
    if str(file) == "-":
        typer.echo(text.lstrip("\ufeff"), nl=False)
    else:
        file.write_text(text, encoding="utf-8")


# Commands that read personal data in bulk or change a workspace: (group, command) → action.
AUDITED_COMMANDS: dict[tuple[str, str], tuple[str, str]] = {
    ("", "export"): ("workspace.export", "read"),
    ("", "backup"): ("backup.create", "read"),
    ("", "restore"): ("backup.restore", "change"),
    ("", "import"): ("import", "change"),
    ("user", "create"): ("member.set", "change"),
    ("token", "create"): ("token.create", "change"),
    ("token", "revoke"): ("token.revoke", "change"),
}


def _audited(callback: Callable[..., Any], action: str, kind: str) -> Callable[..., Any]:
    """Run the command, then record who ran it (the OS user) for each workspace it touched."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = callback(*args, **kwargs)
        from cxray.web.audit.services import audit_record
        from cxray.web.workspaces.models import Workspace

        named = kwargs.get("workspace")
        slugs = [named] if isinstance(named, str) else list(named or [])
        if not slugs:  # a backup of everything
            slugs = list(Workspace.objects.values_list("slug", flat=True))
        for ws in Workspace.objects.filter(slug__in=slugs):
            audit_record(action=action, kind=kind, workspace=ws, via="cli")
        return result

    return run


def _wrap_commands(app: typer.Typer, group: str) -> None:
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__.rstrip("_").replace("_", "-"))
        found = AUDITED_COMMANDS.get((group, name))
        if found and info.callback is not None:
            info.callback = _audited(info.callback, *found)
    for sub in app.registered_groups:
        if sub.typer_instance is not None and sub.name:
            _wrap_commands(sub.typer_instance, sub.name)


def register(app: typer.Typer) -> None:
    _wrap_commands(app, "")
    app.command("check")(check)
    app.add_typer(customer_app, name="customer")
    app.add_typer(audit_app, name="audit")
