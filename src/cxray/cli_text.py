"""``cxray text discover`` and ``cxray text recode``: themes found in the texts themselves
(optionally among one score band) and re-coding analysed texts with people's corrections.

Kept apart from cli.py, which registers them with one line; thin like the rest of the CLI:
the work is done by cxray.web.themes.services, as for the web page and the API.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cxray.cli import DataDir, JsonOpt, WorkspaceOpt, _print_json, _t, setup
from cxray.errors import CxrayError

text_app = typer.Typer(help="Discovered themes and reason codes of comments.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(text_app, name="text")


@text_app.command("discover")
def text_discover(
    workspace: WorkspaceOpt,
    field: Annotated[
        str, typer.Option(help="comment, or follow_up (answers to 'what must change').")
    ] = "comment",
    metric: Annotated[
        str | None, typer.Option(help="Only answers of this metric: nps, csat, ces or enps.")
    ] = None,
    band: Annotated[
        str | None,
        typer.Option(
            help="Only answers in this band of --metric: low (NPS detractors 0-6, CSAT 1-2, "
            "CES 1-3), middle (passives 7-8), top (promoters 9-10, CSAT 4-5, CES 5-7)."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="The most recent texts to read.")] = 3_000,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Find themes nobody wrote a rule for, e.g. among detractors only (--metric nps --band
    low). Waits for the run (minutes for thousands of texts); the web page shows it too."""
    setup(data_dir)
    from cxray.web.dashboards.text_analysis import text_fill_now
    from cxray.web.themes.selectors import run_themes, score_filter_name
    from cxray.web.themes.services import discovery_run, score_filter_key
    from cxray.web.workspaces.services import workspace_get

    ws = workspace_get(slug=workspace)
    key = score_filter_key(metric, band)  # a bad value fails here, before anything runs
    text_fill_now(workspace_slug=ws.slug)
    run = discovery_run(workspace=ws, field=field, limit=limit, score_filter=key)
    if run.status != "done":
        raise CxrayError(run.error or "theme discovery failed")
    themes = run_themes(run=run)
    if as_json:
        _print_json(
            {
                "run": run.pk,
                "field": run.field,
                "score_filter": run.score_filter,
                "n_texts": run.n_texts,
                "k": run.k,
                "silhouette": run.silhouette,
                "themes": [
                    {"id": t.theme_id, "label": t.label, "size": t.size, "quotes": t.quotes}
                    for t in themes
                ],
            }
        )
        return
    among = score_filter_name(run.score_filter) or _t("all answers")
    typer.echo(
        _t("%(k)d themes in %(n)d texts (%(among)s)")
        % {"k": len(themes), "n": run.n_texts, "among": among}
    )
    for t in themes:
        quote = t.quotes[0]["text"][:90] if t.quotes else ""
        typer.echo(f"{t.theme_id:<6} {t.size:>6}  {t.label[:50]:<50}  «{quote}»")


@text_app.command("recode")
def text_recode(
    workspace: WorkspaceOpt, data_dir: DataDir = None, as_json: JsonOpt = False
) -> None:
    """Re-code texts analysed before people's corrections of reason codes (a rejected code
    goes from every text with the same evidence; a corrected one takes the chosen code).
    Safe to repeat: a second run changes nothing."""
    setup(data_dir)
    from cxray.web.themes.services import texts_recode
    from cxray.web.workspaces.services import workspace_get

    result = texts_recode(workspace=workspace_get(slug=workspace))
    if as_json:
        _print_json(
            {"examined": result.examined, "changed": result.changed, "verdicts": result.verdicts}
        )
        return
    typer.echo(
        _t("%(changed)d of %(examined)d texts with a reviewed phrase changed.")
        % {"changed": result.changed, "examined": result.examined}
    )
