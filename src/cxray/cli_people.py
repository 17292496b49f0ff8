"""``cxray report attachment``, ``cxray report ex`` and ``cxray report internal``: the people
analytics (attachment to a person, employee surveys with EX beside CX, internal service).

Kept apart from cli.py, which registers them with one line; thin like the rest of the CLI:
the figures come from the same selectors as the web pages and the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxray.cli import DataDir, JsonOpt, WorkspaceOpt, _print_json, _t, setup
from cxray.errors import CxrayError

LEVELS = ("branch", "department", "region")


def register(report_app: typer.Typer) -> None:
    report_app.command("attachment")(report_attachment)
    report_app.command("ex")(report_ex)
    report_app.command("internal")(report_internal)


def _context(workspace: str, data_dir: Path | None):
    setup(data_dir)
    from django.utils import timezone

    from cxray.web.accounts.scope import Scope
    from cxray.web.workspaces.services import workspace_get

    return workspace_get(slug=workspace), Scope(), timezone.localdate()


def report_attachment(
    workspace: WorkspaceOpt, data_dir: DataDir = None, as_json: JsonOpt = False
) -> None:
    """Customers attached to one employee: churn after their employee left (against
    comparable customers, risk ratio with its interval) and who depends on whom now."""
    ws, scope, today = _context(workspace, data_dir)
    from cxray.web.people.selectors import attachment_report

    r = attachment_report(workspace=ws, scope=scope, as_of=today)
    if as_json:
        _print_json(r.as_dict())
        return
    for d in r.departures:
        typer.echo(
            f"{d.employee_id:<8} {d.name:<32} left {d.left}  attached churn "
            f"{d.attached.value:5.1f}% [{d.attached.low:.1f}, {d.attached.high:.1f}] "
            f"n={d.attached.n}  comparable {d.comparable.value:5.1f}% n={d.comparable.n}  "
            f"RR {d.risk_ratio:.2f} [{d.rr_low:.2f}, {d.rr_high:.2f}]"
        )
    for a in r.alerts:
        leaving = f"  ({_t('leaving')} {a.leaving})" if a.leaving else ""
        typer.echo(
            _t("%(n)s customers worth %(value).0f a year depend on %(name)s")
            % {"n": a.customers, "value": a.value_recent, "name": a.name}
            + leaving
        )


def report_ex(
    workspace: WorkspaceOpt,
    level: Annotated[str, typer.Option(help="branch, department or region")] = "branch",
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """eNPS from anonymous groups (minimum group size), by unit and quarter, beside customer
    NPS per unit, with their correlation (Fisher z interval), also a quarter later."""
    if level not in LEVELS:
        raise CxrayError(f"--level must be one of {', '.join(LEVELS)}, not {level!r}")
    ws, scope, today = _context(workspace, data_dir)
    from cxray.web.people.selectors import employee_report

    r = employee_report(workspace=ws, scope=scope, as_of=today, level=level)
    if as_json:
        _print_json(r.as_dict())
        return
    s = r.enps
    typer.echo(f"eNPS {s.value:.1f} [{s.low:.1f}, {s.high:.1f}] n={s.n}  (min group {r.min_group})")
    for unit, pooled, s in r.by_unit:
        mark = " " + _t("(pooled)") if pooled else ""
        typer.echo(f"  {unit:<24} {s.value:7.1f} [{s.low:.1f}, {s.high:.1f}] n={s.n}{mark}")
    for p in r.ex_cx:
        typer.echo(f"  {p.unit_id:<24} eNPS {p.enps.value:7.1f}  NPS {p.nps.value:7.1f}")
    c = r.ex_cx_r
    typer.echo(f"r = {c.r:.2f} [{c.low:.2f}, {c.high:.2f}], {c.n} units")
    c = r.lagged_r
    typer.echo(f"r (eNPS -> NPS next quarter) = {c.r:.2f} [{c.low:.2f}, {c.high:.2f}], n={c.n}")


def report_internal(
    workspace: WorkspaceOpt, data_dir: DataDir = None, as_json: JsonOpt = False
) -> None:
    """The internal NPS matrix (raters' unit x rated unit) with n, intervals and the seams."""
    ws, scope, today = _context(workspace, data_dir)
    from cxray.web.people.selectors import internal_report

    m = internal_report(workspace=ws, scope=scope, as_of=today)
    if as_json:
        _print_json(m.as_dict())
        return
    for c in m.cells:
        s = c.score
        typer.echo(
            f"{c.rater_unit_id:<20} -> {c.rated_unit_id:<20} {s.value:7.1f} "
            f"[{s.low:.1f}, {s.high:.1f}] n={s.n}"
        )
