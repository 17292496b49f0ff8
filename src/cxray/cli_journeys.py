"""`cxray import journey`, `cxray export journey` and `cxray journey list`: journey maps as
YAML files (docs/journeys.md). Thin: parses, calls the journeys services, prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

journey_app = typer.Typer(help="Journey maps (YAML in, YAML out).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(journey_app, name="journey")


def import_journey(file: Path, workspace: str, *, as_json: bool = False) -> None:
    """Store the journey in ``file`` (a new version if it changed) and say so."""
    from cxray.cli import _print_json, _t
    from cxray.web.journeys.selectors import version_list
    from cxray.web.journeys.services import journey_import
    from cxray.web.workspaces.services import workspace_get

    ws = workspace_get(slug=workspace)
    text = file.read_text(encoding="utf-8")
    journey = journey_import(workspace=ws, text=text, source=file.name)
    latest = version_list(journey=journey).first()
    number = latest.number if latest else 0
    if as_json:
        _print_json({"journey": journey.code, "version": number, "steps": journey.steps.count()})
        return
    typer.echo(
        _t("%(file)s: journey %(code)s stored, version %(version)s, %(steps)s steps")
        % {"file": file.name, "code": journey.code, "version": number,
           "steps": journey.steps.count()}
    )  # fmt: skip


def export_journey(code: str, workspace: str) -> None:
    """Write the journey's canonical YAML to standard output."""
    from cxray.web.journeys.selectors import journey_get, journey_yaml
    from cxray.web.workspaces.services import workspace_get

    journey = journey_get(workspace=workspace_get(slug=workspace), code=code)
    typer.echo(journey_yaml(journey), nl=False)


@journey_app.command("list")
def journey_list(
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="The workspace.")],
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", envvar="CXRAY_DATA_DIR", help="Where cxray keeps its data."),
    ] = None,
) -> None:
    """The workspace's journeys, one code a line."""
    from cxray.cli import setup

    setup(data_dir)
    from cxray.web.journeys.selectors import journey_list as journeys
    from cxray.web.workspaces.services import workspace_get

    for code in journeys(workspace=workspace_get(slug=workspace)).values_list("code", flat=True):
        typer.echo(code)
