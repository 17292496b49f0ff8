"""``cxray interview``, ``cxray selftest``, ``cxray competitors`` and the research reports
(``cxray report reasons``, ``cxray report competitors``). Thin, like :mod:`cxray.cli`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxray.cli import DataDir, JsonOpt, WorkspaceOpt, _print_json, _t, setup

interview_app = typer.Typer(
    help="Churn interviews: why customers really left (seed 001).", no_args_is_help=True
)
selftest_app = typer.Typer(
    help="Self-tests: the customer-orientation test and the CX audit checklist.",
    no_args_is_help=True,
)
competitors_app = typer.Typer(
    help="Customers' ratings of competitors and of the best experience anywhere.",
    no_args_is_help=True,
)
MetricOpt = Annotated[str, typer.Option(help="nps, csat or ces.")]


def register(app: typer.Typer, report_app: typer.Typer) -> None:
    app.add_typer(interview_app, name="interview")
    app.add_typer(selftest_app, name="selftest")
    app.add_typer(competitors_app, name="competitors")
    report_app.command("reasons")(report_reasons)
    report_app.command("competitors")(report_competitors)


def _workspace(slug: str, data_dir: Path | None):
    setup(data_dir)
    from cxray.web.workspaces.services import workspace_get

    return workspace_get(slug=slug)


@interview_app.command("import")
def interview_import(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or JSON, one interview per row.")],
    workspace: WorkspaceOpt,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Import interviews; a file with any bad row is refused whole, each problem named."""
    ws = _workspace(workspace, data_dir)
    from cxray.web.research.services import interviews_import

    done = interviews_import(workspace=ws, path=file)
    suggested = sum(i.reasons.filter(status="suggested").count() for i in done)
    if as_json:
        _print_json({"imported": len(done), "ids": [i.pk for i in done], "suggested": suggested})
        return
    typer.echo(
        _t("%(file)s: %(n)s interviews imported, %(s)s reasons suggested for review")
        % {"file": file.name, "n": len(done), "s": suggested}
    )


@interview_app.command("list")
def interview_list(workspace: WorkspaceOpt, data_dir: DataDir = None) -> None:
    """Interviews with their confirmed and suggested reasons."""
    ws = _workspace(workspace, data_dir)
    from cxray.web.research.selectors import interview_list as interviews

    for i in interviews(workspace=ws):
        reasons = list(i.reasons.all())
        confirmed = ",".join(r.code for r in reasons if r.status == "confirmed") or "-"
        suggested = ",".join(r.code for r in reasons if r.status == "suggested") or "-"
        typer.echo(f"{i.pk}\t{i.held_on}\t{i.customer_id}\t{confirmed}\t?{suggested}")


def report_reasons(workspace: WorkspaceOpt, data_dir: DataDir = None, as_json: JsonOpt = False):
    """Confirmed churn reasons by segment: count, share of coded interviews, 95% interval."""
    ws = _workspace(workspace, data_dir)
    from cxray.analytics.interview_reasons import reasons_as_dict
    from cxray.text.churn_reasons import reason_name
    from cxray.web.research.selectors import reason_report

    report = reason_report(workspace=ws)
    if as_json:
        _print_json(reasons_as_dict(report))
        return
    from cxray.cli import _lang

    lang = _lang(None)
    for s in report:
        typer.echo(f"{s.segment}  n={s.n}" + (f"  (+{s.uncoded} not coded)" if s.uncoded else ""))
        for r in s.reasons:
            flag = "" if r.share.reliable else "  " + _t("(few interviews)")
            typer.echo(
                f"  {reason_name(r.reason, lang):<40} {r.count:>4}  {r.share.value:5.1f}% "
                f"[{r.share.low:.1f}, {r.share.high:.1f}]{flag}"
            )


def report_competitors(
    workspace: WorkspaceOpt,
    metric: MetricOpt = "nps",
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
):
    """Own score against competitors and the best anywhere, per touchpoint, with intervals."""
    ws = _workspace(workspace, data_dir)
    from cxray.errors import InvalidInputError
    from cxray.web.research.selectors import competitor_report

    if metric not in ("nps", "csat", "ces"):
        raise InvalidInputError(f"--metric must be nps, csat or ces, not {metric!r}")
    rows = competitor_report(workspace=ws, metric=metric)
    if as_json:
        _print_json([r.as_dict() for r in rows])
        return
    if not rows:
        typer.echo(_t("no ratings of competitors for this metric"))
    for r in rows:
        tp = r.touchpoint or _t("all")
        own = f"{r.own.value:6.1f}" if r.own.n else "     -"
        diff = f"{r.gap.difference:+6.1f} [{r.gap.low:.1f}, {r.gap.high:.1f}]" if r.own.n else "-"
        typer.echo(
            f"{tp:<20} {r.subject:<24} own {own} (n={r.own.n})  "
            f"other {r.other.value:6.1f} (n={r.other.n})  diff {diff}"
        )


@competitors_app.command("import")
def competitors_import(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or JSON: subject, score, ...")],
    workspace: WorkspaceOpt,
    metric: MetricOpt = "nps",
    data_dir: DataDir = None,
) -> None:
    """Import ratings of competitors (subject = a name, or best_anywhere); all or nothing."""
    ws = _workspace(workspace, data_dir)
    from cxray.web.research.services import benchmarks_import

    n = benchmarks_import(workspace=ws, path=file, metric=metric)
    typer.echo(_t("%(file)s: %(n)s new ratings stored") % {"file": file.name, "n": n})


@selftest_app.command("list")
def selftest_list(workspace: WorkspaceOpt, data_dir: DataDir = None, as_json: JsonOpt = False):
    """Self-assessments with total and section scores, and the change since the last one."""
    ws = _workspace(workspace, data_dir)
    from cxray.web.research.questionnaires import questionnaire_all
    from cxray.web.research.selectors import assessment_history

    data = []
    for q in questionnaire_all().values():
        for run in assessment_history(workspace=ws, questionnaire=q.id):
            data.append(
                {
                    "id": run.assessment.pk,
                    "questionnaire": q.id,
                    "title": run.assessment.title,
                    "completed_at": run.assessment.completed_at.isoformat(),
                    **run.score.as_dict(),
                    "change": run.change,
                }
            )
    if as_json:
        _print_json(data)
        return
    for d in data:
        change = (d["change"] or {}).get("total")
        since = "" if change is None else f" ({change:+.1f})"
        typer.echo(
            f"{d['id']}\t{d['questionnaire']}\t{d['completed_at'][:10]}\t"
            f"{d['total']:.1f}{since}\t" + _t("%(n)s gaps") % {"n": len(d["gaps"])}
        )
        for s in d["sections"]:
            score = "-" if s["score"] is None else f"{s['score']:.1f}"
            typer.echo(f"\t{s['section']:<22} {score}")
