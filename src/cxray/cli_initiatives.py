"""``cxray initiative list``, ``cxray report initiative ID``, ``cxray report kpi`` and the
HTML/PDF forms of ``cxray report money`` (the leadership report). Thin, like :mod:`cxray.cli`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxray.cli import DataDir, JsonOpt, WorkspaceOpt, _print_json, _t, setup
from cxray.errors import InvalidInputError, NotFoundError

initiative_app = typer.Typer(
    help="Initiatives: owner, due date, action plan, expected and measured effect.",
    no_args_is_help=True,
)
FORMATS = ("table", "json", "html", "pdf")


def register(app: typer.Typer, report_app: typer.Typer) -> None:
    app.add_typer(initiative_app, name="initiative")
    report_app.command("initiative")(report_initiative)
    report_app.command("kpi")(report_kpi)


def _workspace(slug: str, data_dir: Path | None):
    setup(data_dir)
    from cxray.web.workspaces.services import workspace_get

    return workspace_get(slug=slug)


@initiative_app.command("list")
def initiative_list(
    workspace: WorkspaceOpt,
    status: Annotated[str | None, typer.Option(help="proposed, in_progress, done, dropped")] = None,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """The workspace's initiatives: status, owner, due date, plan done, expected per year."""
    ws = _workspace(workspace, data_dir)
    from cxray.web.initiatives.selectors import initiative_as_dict
    from cxray.web.initiatives.selectors import initiative_list as listing

    rows = [initiative_as_dict(i) for i in listing(workspace=ws, status=status)]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo(_t("No initiatives yet."))
    for r in rows:
        done = sum(1 for it in r["items"] if it["done"])
        expected = "" if r["expected_effect"] is None else f"{r['expected_effect']:,.0f}"
        typer.echo(
            f"#{r['id']:<4} {r['title'][:40]:<40} {r['status']:<12} {r['owner'] or '-':<12} "
            f"{r['due'] or '-':<10} {done}/{len(r['items'])}  {expected}"
        )


def report_initiative(
    initiative_id: Annotated[int, typer.Argument(metavar="ID", help="The initiative's number.")],
    workspace: WorkspaceOpt,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """One initiative, its plan and its measured effect (difference in differences)."""
    ws = _workspace(workspace, data_dir)
    from django.utils import timezone

    from cxray.web.initiatives.measure import initiative_effect
    from cxray.web.initiatives.models import Initiative
    from cxray.web.initiatives.selectors import initiative_as_dict

    i = Initiative.objects.filter(workspace=ws, pk=initiative_id).first()
    if i is None:
        raise NotFoundError(
            f"no initiative #{initiative_id} in {workspace}; see `cxray initiative list`"
        )
    data = initiative_as_dict(i, initiative_effect(initiative=i, as_of=timezone.localdate()))
    if as_json:
        _print_json(data)
        return
    typer.echo(f"#{data['id']} {data['title']} [{data['status']}]")
    for it in data["items"]:
        typer.echo(f"  [{'x' if it['done'] else ' '}] {it['task']}  {it['due'] or ''}")
    m = data["measured"]
    if m is None:
        typer.echo(_t("Not measured: %(why)s") % {"why": data["not_measured_because"]})
        return
    d = m["did"]
    typer.echo(
        f"{m['outcome']}: {d['effect']:+.2f} [{d['low']:.2f}, {d['high']:.2f}]  "
        f"n={d['n_treated']} treated / {d['n_control']} control, {m['months']} months"
    )
    if d["money"] is not None:
        typer.echo(
            _t("per year: %(v)s [%(lo)s, %(hi)s]")
            % {
                "v": f"{d['money']:,.0f}",
                "lo": f"{d['money_low']:,.0f}",
                "hi": f"{d['money_high']:,.0f}",
            }
        )


def report_kpi(
    workspace: WorkspaceOpt,
    unit: Annotated[str | None, typer.Option(help="A unit's code.")] = None,
    employee: Annotated[str | None, typer.Option(help="An employee's code.")] = None,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """A unit's or an employee's customer metrics and the comments behind them."""
    ws = _workspace(workspace, data_dir)
    from django.utils import timezone

    from cxray.analytics.kpi import subject_kpis
    from cxray.web.accounts.scope import unit_subtree_codes
    from cxray.web.analytics_store import analytics
    from cxray.web.people.models import Employee, Unit

    if bool(unit) == bool(employee):
        raise InvalidInputError("give --unit CODE or --employee CODE (one of them)")
    units = None
    if unit:
        u = Unit.objects.filter(workspace=ws, code=unit).first()
        if u is None:
            raise NotFoundError(f"no unit {unit!r} in {workspace}")
        units = unit_subtree_codes(u)
    elif not Employee.objects.filter(workspace=ws, code=employee).exists():
        raise NotFoundError(f"no employee {employee!r} in {workspace}")
    with analytics() as store:
        r = subject_kpis(store, ws.slug, as_of=timezone.localdate(), units=units, employee=employee)
    if as_json:
        _print_json(r.as_dict())
        return
    for k in r.kpis:
        s = k.current
        typer.echo(
            f"{k.metric.upper():<5} {s.value:7.1f} [{s.low:.1f}, {s.high:.1f}] n={s.n}  "
            f"({k.change.difference:+.1f} vs the {r.days} days before)"
        )
    for f in r.to_prevent:
        typer.echo(f"  - {f.metric} {f.score:.0f}: {f.text[:100]}")


def write_leadership_report(
    workspace: str, fmt: str, output: Path | None, language: str | None, data_dir: Path | None
) -> None:
    """``cxray report money --format html|pdf --output FILE``: the one-page leadership report."""
    from cxray.cli import _lang

    if output is None:
        raise InvalidInputError(f"--format {fmt} needs --output FILE (e.g. report.{fmt})")
    ws = _workspace(workspace, data_dir)
    from django.utils import timezone

    from cxray.web.accounts.scope import Scope
    from cxray.web.reports.render import LANGUAGES, report_html, report_pdf
    from cxray.web.reports.selectors import leadership

    lang = _lang(language)
    if lang not in LANGUAGES:
        raise InvalidInputError(f"--language must be one of {', '.join(LANGUAGES)}")
    report = leadership(workspace=ws, scope=Scope(), as_of=timezone.localdate())
    if fmt == "html":
        output.write_text(report_html(report, workspace=ws, language=lang), encoding="utf-8")
    else:
        output.write_bytes(report_pdf(report, workspace=ws, language=lang))
    typer.echo(_t("Written %(file)s") % {"file": output}, err=True)
