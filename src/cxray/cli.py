"""The ``cxray`` command: parses arguments, calls services, prints. No business rules here."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from cxray.errors import CxrayError

app = typer.Typer(
    help="cxray: customer experience you can act on. Every command takes --data-dir "
    "(or $CXRAY_DATA_DIR).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
workspace_app = typer.Typer(
    help="Create and list workspaces (one per company).", no_args_is_help=True
)
user_app = typer.Typer(
    help="Create users and give them a role in a workspace.", no_args_is_help=True
)
token_app = typer.Typer(help="API tokens (one workspace each, revocable).", no_args_is_help=True)
report_app = typer.Typer(help="Figures with their n and interval.", no_args_is_help=True)
app.add_typer(workspace_app, name="workspace")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(report_app, name="report")
survey_app = typer.Typer(help="Surveys: what is asked, why, and who owns it.", no_args_is_help=True)
app.add_typer(survey_app, name="survey")

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="CXRAY_DATA_DIR", help="Where cxray keeps its data."),
]
WorkspaceOpt = Annotated[str, typer.Option("--workspace", "-w", help="The workspace's short name.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def setup(data_dir: Path | None) -> Path:
    """Point Django at the data directory, apply migrations, return the directory."""
    from cxray import paths

    base = paths.data_dir(data_dir)
    os.environ["CXRAY_DATA_DIR"] = str(base)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxray.web.config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    from django.utils import translation

    # Messages raised by the services speak the CLI's language, not the server default.
    translation.activate(_lang(None))
    call_command("migrate", verbosity=0, interactive=False)
    if paths.restore_journal_path(base).exists():
        # A restore was killed while writing: finish it before anything reads the stores.
        from cxray.web.workspaces.backup import restore_resume

        slugs = restore_resume()
        typer.echo(
            _t("finished the interrupted restore of %(workspaces)s")
            % {"workspaces": ", ".join(slugs)},
            err=True,
        )
    return base


def _lang(language: str | None) -> str:
    if language:
        return language
    env = (os.environ.get("CXRAY_LANGUAGE") or os.environ.get("LANG") or "en")[:2].lower()
    return env if env in {"ru", "uk", "en"} else "en"


def _t(message: str, language: str | None = None) -> str:
    from django.utils import translation

    with translation.override(_lang(language)):
        return translation.gettext(message)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# --- demo and serve --------------------------------------------------------------------------
@app.command()
def demo(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build the demo and exit.")] = False,
    patients: Annotated[int, typer.Option(help="Number of patients to generate.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same company).")] = 7,
    language: Annotated[
        str | None, typer.Option(help="ru, uk or en (default: from $LANG).")
    ] = None,
) -> None:
    """Build the demo company (a chain of private clinics) as workspace 'demo', then serve it."""
    started = time.perf_counter()
    setup(data_dir)
    from cxray.demo import generate
    from cxray.web.accounts.models import Role
    from cxray.web.workspaces.demo import demo_install

    lang = _lang(language)
    typer.echo(_t("Generating the demo company…", lang))
    company = generate(seed=seed, n_patients=patients)
    logins = demo_install(company=company)
    if not no_serve:
        # The server starts now; comments are analysed behind it, a turn at a time.
        from cxray.web.dashboards.text_analysis import text_fill_background

        text_fill_background(workspace_slug="demo")
    typer.echo(
        _t("The demo company is ready in %(seconds).0f s.", lang)
        % {"seconds": time.perf_counter() - started}
    )
    typer.echo("")
    # Outside the f-strings, so that makemessages (xgettext) finds them.
    user_label, password_label = _t("User", lang), _t("Password", lang)
    open_label = _t("Open", lang)
    typer.echo(f"  {open_label}:     http://{host}:{port}/?lang={lang}")
    for login in logins:
        typer.echo(
            f"  {user_label}: {login.username:<15} {password_label}: "
            f"{login.password}   ({_t(Role(login.role).label, lang)})"
        )
    typer.echo("")
    if not no_serve:
        _serve(host, port, lang)


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    threads: Annotated[int, typer.Option(help="Worker threads.")] = 8,
) -> None:
    """Serve the web app and the API (waitress, embedded default)."""
    setup(data_dir)
    _serve(host, port, _lang(None), threads=threads)


def _serve(host: str, port: int, lang: str, threads: int = 8) -> None:
    from waitress import serve as waitress_serve

    from cxray.web.config.wsgi import application

    typer.echo(
        _t("Serving on http://%(host)s:%(port)s/ — press Ctrl+C to stop.", lang)
        % {"host": host, "port": port}
    )
    # Case alerts, escalations, digests and webhooks (docs/cases.md); CXRAY_WORKER=external
    # leaves them to a separate `cxray worker`.
    from cxray.web.notifications.scheduler import start_background

    start_background()
    # Answers stored but not yet copied to the analytics store when the server last stopped
    # (killed, a power cut) are copied at once, not when the next answer arrives.
    from cxray.web.surveys.services import background_start

    background_start()
    from cxray.cli_cases import case_checker_start

    case_checker_start()
    waitress_serve(application, host=host, port=port, threads=threads, ident="cxray")


# --- workspaces, users, tokens ---------------------------------------------------------------
@workspace_app.command("create")
def workspace_create(
    name: Annotated[str, typer.Argument(help="Short name: latin letters, digits, dashes.")],
    data_dir: DataDir = None,
    title: Annotated[str | None, typer.Option(help="The company's display name.")] = None,
    currency: Annotated[str, typer.Option(help="ISO currency code.")] = "UAH",
    language: Annotated[str, typer.Option(help="ru, uk or en.")] = "ru",
    admin: Annotated[str | None, typer.Option(help="An existing user to make its admin.")] = None,
) -> None:
    """Create a workspace for a company."""
    setup(data_dir)
    from django.contrib.auth import get_user_model

    from cxray.web.workspaces.services import workspace_create as create

    owner = None
    if admin:
        owner = get_user_model().objects.filter(username=admin).first()
        if owner is None:
            raise CxrayError(f"user {admin!r} does not exist; create it with cxray user create")
    ws = create(slug=name, name=title, currency=currency, language=language, owner=owner)
    typer.echo(_t("workspace %(name)s created") % {"name": repr(ws.slug)})


@workspace_app.command("list")
def workspace_list(data_dir: DataDir = None, as_json: JsonOpt = False) -> None:
    """List the workspaces."""
    setup(data_dir)
    from cxray.web.workspaces.models import Workspace

    rows = list(Workspace.objects.values("slug", "name", "currency", "language"))
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['slug']}\t{row['name']}")


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument()],
    workspace: WorkspaceOpt,
    role: Annotated[
        str, typer.Option(help="admin, cx_manager, unit_manager, frontline, viewer")
    ] = "admin",
    unit: Annotated[str | None, typer.Option(help="Unit code (unit managers).")] = None,
    employee: Annotated[str | None, typer.Option(help="Employee code (frontline).")] = None,
    email: Annotated[str, typer.Option()] = "",
    password: Annotated[str | None, typer.Option(help="Default: generated and printed.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a user (or reuse one) and give them a role in a workspace."""
    setup(data_dir)
    import secrets

    from django.contrib.auth import get_user_model

    from cxray.web.accounts.services import membership_set
    from cxray.web.accounts.services import user_create as create
    from cxray.web.people.models import Employee, Unit
    from cxray.web.workspaces.services import workspace_get

    ws = workspace_get(slug=workspace)
    user = get_user_model().objects.filter(username=username).first()
    generated = None
    if user is None:
        generated = password or secrets.token_urlsafe(12)
        user = create(username=username, password=generated, email=email)
    unit_obj = Unit.objects.filter(workspace=ws, code=unit).first() if unit else None
    emp_obj = Employee.objects.filter(workspace=ws, code=employee).first() if employee else None
    if unit and unit_obj is None:
        raise CxrayError(f"unit {unit!r} does not exist in workspace {workspace!r}")
    if employee and emp_obj is None:
        raise CxrayError(f"employee {employee!r} does not exist in workspace {workspace!r}")
    membership_set(user=user, workspace=ws, role=role, unit=unit_obj, employee=emp_obj)
    typer.echo(
        _t("%(user)s: %(role)s in %(workspace)s")
        % {"user": username, "role": role, "workspace": workspace}
    )
    if generated and not password:
        typer.echo(_t("password: %(password)s") % {"password": generated})


@token_app.command("create")
def token_create(
    workspace: WorkspaceOpt,
    user: Annotated[str, typer.Option(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
    data_dir: DataDir = None,
) -> None:
    """Create an API token; it is printed once."""
    setup(data_dir)
    from django.contrib.auth import get_user_model

    from cxray.web.accounts.services import api_token_create
    from cxray.web.workspaces.services import workspace_get

    owner = get_user_model().objects.filter(username=user).first()
    if owner is None:
        raise CxrayError(f"user {user!r} does not exist")
    _token, key = api_token_create(workspace=workspace_get(slug=workspace), user=owner, name=name)
    typer.echo(key)


@token_app.command("revoke")
def token_revoke(
    prefix: Annotated[str, typer.Argument(help="The first 8 characters of the token.")],
    workspace: WorkspaceOpt,
    data_dir: DataDir = None,
) -> None:
    """Revoke API tokens of a workspace by their first 8 characters."""
    setup(data_dir)
    from cxray.web.accounts.models import ApiToken
    from cxray.web.accounts.services import api_token_revoke

    tokens = list(
        ApiToken.objects.filter(
            workspace__slug=workspace, prefix=prefix[:8], revoked_at__isnull=True
        )
    )
    if not tokens:
        raise CxrayError(f"no live token starting with {prefix[:8]!r} in workspace {workspace!r}")
    for token in tokens:
        api_token_revoke(token=token)
    typer.echo(_t("revoked %(n)s token(s)") % {"n": len(tokens)})


# --- import, report, export ------------------------------------------------------------------
@app.command("import")
def import_(
    kind: Annotated[
        str,
        typer.Argument(help="customers, transactions, interactions, feedback, employees, journey"),
    ],
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV, XLSX or JSON file.")
    ],
    workspace: WorkspaceOpt,
    map_: Annotated[
        str | None, typer.Option("--map", help="field=column,... e.g. customer_id=Код")
    ] = None,
    date_order: Annotated[
        str | None, typer.Option(help="DMY, MDY or YMD when dates are ambiguous.")
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(help="Feedback metric when the file has none: nps, csat, ces, enps."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and show, store nothing.")
    ] = False,
    open_cases_days: Annotated[
        int | None,
        typer.Option(
            "--open-cases-days",
            help="Feedback: low answers and negative comments of the last N days open cases.",
        ),
    ] = None,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Import a file of customers, transactions, interactions, feedback or employees, or a
    journey map (YAML)."""
    setup(data_dir)
    if kind == "journey":
        from cxray.cli_journeys import import_journey

        import_journey(file, workspace, as_json=as_json)
        return
    from rich.progress import Progress

    from cxray.web.imports.services import import_run
    from cxray.web.workspaces.services import workspace_get

    ws = workspace_get(slug=workspace)
    mapping = _parse_map(map_) if map_ else None
    defaults = {"metric": metric} if metric else None
    with Progress(transient=True, disable=as_json or not sys.stderr.isatty()) as progress:
        task = progress.add_task(f"{kind} {file.name}", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total or None)

        run = import_run(
            workspace=ws,
            kind=kind,
            path=file,
            mapping=mapping,
            date_order=date_order,
            defaults=defaults,
            dry_run=dry_run,
            progress=report,
            analyse_text="now",  # a command-line import ends only when its comments are read
            open_cases_days=open_cases_days,
        )
    summary = {
        "file": str(file),
        "kind": run.kind,
        "status": run.status,
        "rows": run.n_rows,
        "stored": run.stored,
        "unchanged": run.unchanged,
        "skipped": run.skipped,
        "warnings": run.warnings,
        "columns": run.column_map,
        "seconds": round(run.duration_s, 2),
        "cases": getattr(run, "cases", None),
    }
    if as_json:
        _print_json(summary)
        return
    if dry_run:
        line = _t("%(file)s: %(rows)s rows read, would store %(stored)s, already there %(same)s")
    else:
        line = _t("%(file)s: %(rows)s rows read, stored %(stored)s, already there %(same)s")
    typer.echo(
        line % {"file": file.name, "rows": run.n_rows, "stored": run.stored, "same": run.unchanged}
    )
    for reason, count in run.skipped.items():
        typer.echo(
            "  " + _t("left out (%(reason)s): %(count)s") % {"reason": reason, "count": count}
        )
    for warning in run.warnings:
        typer.echo("  " + _t("note: %(warning)s") % {"warning": warning})
    for field, header in run.column_map.items():
        typer.echo(f"  {field} <- {header!r}")
    if getattr(run, "cases", None) is not None:
        typer.echo(
            _t(
                "cases opened: %(opened)s, joined to open cases: %(joined)s "
                "(answers of the last %(days)s days)"
            )
            % run.cases
        )


def _parse_map(text: str) -> dict[str, str]:
    mapping = {}
    for part in text.split(","):
        if "=" not in part:
            raise CxrayError(
                f"--map part {part!r} is not field=column (e.g. customer_id=Код клиента)"
            )
        field, column = part.split("=", 1)
        mapping[field.strip()] = column.strip()
    return mapping


def _score_report(
    metric: str, workspace: str, by: str | None, data_dir: Path | None, as_json: bool
) -> None:
    setup(data_dir)
    from cxray.web.accounts.scope import Scope
    from cxray.web.dashboards.selectors import score_report
    from cxray.web.workspaces.services import workspace_get

    result = score_report(
        workspace=workspace_get(slug=workspace), scope=Scope(), metric=metric, by=by
    )
    if as_json:
        _print_json([{"group": k, **s.as_dict()} for k, s in result.items()])
        return
    for group, s in result.items():
        label = _t("all") if group is None else str(group)
        flag = (
            ""
            if s.reliable
            else "  " + _t("(n < %(m)s: too few answers to rely on)") % {"m": s.min_n}
        )
        typer.echo(
            f"{label:<30} {metric.upper()} {s.value:7.1f}  [{s.low:.1f}, {s.high:.1f}]  "
            f"n={s.n}{flag}"
        )


ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="day, week, month, quarter, segment, touchpoint, unit, stage, employee, channel, "
        "language",
    ),
]


@report_app.command("own-scale")
def report_own_scale(
    workspace: WorkspaceOpt,
    metric: Annotated[str, typer.Option(help="nps, csat, ces or enps.")] = "nps",
    by: Annotated[str, typer.Option(help="touchpoint, unit, employee or channel.")] = "touchpoint",
    days: Annotated[int, typer.Option(help="The last N days (0: every answer).")] = 365,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Each group's scores against the same respondents' scores elsewhere: above 0, people
    score it higher than they usually score (a "5" means different things to different people)."""
    setup(data_dir)
    from cxray.web.accounts.scope import Scope
    from cxray.web.dashboards.selectors import own_scale_rows
    from cxray.web.workspaces.services import workspace_get

    rows = own_scale_rows(
        workspace=workspace_get(slug=workspace), scope=Scope(), metric=metric, by=by, days=days
    )
    if as_json:
        _print_json(rows)
        return
    mean = _t("mean score")
    for r in rows:
        interval = "" if r["low"] is None else f"  [{r['low']:+.2f}, {r['high']:+.2f}]"
        typer.echo(
            f"{r['group']:<30} {r['mean_deviation']:+.2f}{interval}  n={r['n']}  "
            f"{mean} {r['mean_score']:.2f} (n={r['n_answers']})"
        )


@report_app.command("nps")
def report_nps(
    workspace: WorkspaceOpt, by: ByOpt = None, data_dir: DataDir = None, as_json: JsonOpt = False
) -> None:
    """Net Promoter Score with its 95% interval and n."""
    _score_report("nps", workspace, by, data_dir, as_json)


@report_app.command("csat")
def report_csat(
    workspace: WorkspaceOpt, by: ByOpt = None, data_dir: DataDir = None, as_json: JsonOpt = False
) -> None:
    """CSAT: the share of 4–5 answers on a 1–5 scale, with its interval and n."""
    _score_report("csat", workspace, by, data_dir, as_json)


@report_app.command("ces")
def report_ces(
    workspace: WorkspaceOpt, by: ByOpt = None, data_dir: DataDir = None, as_json: JsonOpt = False
) -> None:
    """CES: mean effort on a 1–7 scale, with its interval and n."""
    _score_report("ces", workspace, by, data_dir, as_json)


PERIOD_HELP = "FROM:TO, two YYYY-MM-DD days, both included"


@report_app.command("change")
def report_change(
    workspace: WorkspaceOpt,
    before: Annotated[str, typer.Option(help=f"The earlier period: {PERIOD_HELP}.")],
    after: Annotated[str, typer.Option(help=f"The later period: {PERIOD_HELP}.")],
    metric: Annotated[str, typer.Option(help="nps, csat, ces or enps.")] = "nps",
    by: Annotated[
        str | None,
        typer.Option(help="touchpoint, unit, employee, channel, language, segment or stage."),
    ] = None,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Did the score change between two periods? Each period's score and n, the difference
    with its 95% interval, the p-value, and whether the change is significant or could be
    chance."""
    setup(data_dir)
    from cxray.web.accounts.scope import Scope
    from cxray.web.dashboards.selectors import parse_period, score_change_dict
    from cxray.web.workspaces.services import workspace_get

    report = score_change_dict(
        workspace=workspace_get(slug=workspace),
        scope=Scope(),
        metric=metric,
        before=parse_period("--before", before),
        after=parse_period("--after", after),
        by=by,
    )
    if as_json:
        _print_json(report)
        return
    b, a = report["before"], report["after"]
    typer.echo(f"{metric.upper()}: {b['start']} … {b['end']} → {a['start']} … {a['end']}")
    for r in report["rows"]:
        label = _t("all") if r["group"] is None else r["group"]
        sides = "  →  ".join(
            f"{'—' if s['value'] is None else format(s['value'], '.1f')} (n={s['n']})"
            for s in (r["before"], r["after"])
        )
        if r["difference"] is None:
            change, verdict = "", _t("no answers in one of the periods")
        else:
            interval = "" if r["low"] is None else f" [{r['low']:+.1f}, {r['high']:+.1f}]"
            p = r["p_value"]
            shown_p = "" if p is None else "  p < 0.001" if p < 0.001 else f"  p = {p:.3f}"
            change = f"  {_t('change')} {r['difference']:+.1f}{interval}{shown_p}"
            verdict = _t("significant change") if r["significant"] else _t("could be chance")
        flag = (
            ""
            if r["reliable"] or r["difference"] is None
            else "  " + _t("(n < %(m)s: too few answers to rely on)") % {"m": r["min_n"]}
        )
        typer.echo(f"{label:<30} {sides}{change}  {verdict}{flag}")


def _behaviour(workspace: str, data_dir: Path | None):
    """The workspace (everything visible) and the web layer's report functions."""
    setup(data_dir)
    from django.utils import timezone

    from cxray.web.accounts.scope import Scope
    from cxray.web.dashboards import behaviour
    from cxray.web.workspaces.services import workspace_get

    return workspace_get(slug=workspace), Scope(), behaviour, timezone.localdate()


SegmentFilter = Annotated[str | None, typer.Option(help="Only customers of this segment.")]
UnitFilter = Annotated[
    str | None, typer.Option(help="Only customers of this unit code and the units below it.")
]
FirstSeenFrom = Annotated[
    str | None, typer.Option(help="Only customers first seen on or after YYYY-MM-DD.")
]
FirstSeenTo = Annotated[
    str | None, typer.Option(help="Only customers first seen on or before YYYY-MM-DD.")
]
CustomerGroupBy = Annotated[
    str,
    typer.Option(
        "--by",
        help="Group the customers by segment, cohort (first-seen quarter), cohort_year, or "
        "a column of the customer file such as region.",
    ),
]


@report_app.command("churn")
def report_churn(
    workspace: WorkspaceOpt,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
    segment: SegmentFilter = None,
    unit: UnitFilter = None,
    first_seen_from: FirstSeenFrom = None,
    first_seen_to: FirstSeenTo = None,
    by: CustomerGroupBy = "segment",
) -> None:
    """Churn share and survival by segment (or --by cohort, a customer column), whether the
    score predicts churn, loyal-looking churners; --segment, --unit and
    --first-seen-from/--first-seen-to narrow the customers."""
    ws, scope, behaviour, today = _behaviour(workspace, data_dir)
    filters = behaviour.ChurnFilters.parse(
        {
            "segment": segment,
            "unit": unit,
            "first_seen_from": first_seen_from,
            "first_seen_to": first_seen_to,
            "by": by,
        }
    )
    try:
        r = behaviour.churn(workspace=ws, scope=scope, as_of=today, filters=filters)
    except behaviour.NoMatchingCustomers as exc:
        if as_json:
            _print_json(behaviour.churn_none_dict(exc, filters))
        else:
            typer.echo(_t("0 customers: %(why)s") % {"why": exc})
        return
    data = behaviour.churn_as_dict(r, filters)
    if as_json:
        _print_json(data)
        return
    for row in data["churn_by_segment"]:
        typer.echo(
            f"{row['segment'] or _t('all')!s:<30} "
            + _t("left %(left)s of %(n)s") % {"left": row["left"], "n": row["customers"]}
            + f"  {row['churn_pct']:.1f}% [{row['low']:.1f}, {row['high']:.1f}]"
        )
    for group, points in data["survival"].items():
        typer.echo(f"{group:<30} " + "  ".join(f"S({d})={v:.3f}" for d, v in points.items()))
    for p in r.predictive_by_segment + r.predictive_by_touchpoint:
        typer.echo(
            f"{p.group!s:<30} {p.horizon_days:>3} d  AUC {p.value:.2f} "
            f"[{p.low:.2f}, {p.high:.2f}]  n={p.n} {p.note}"
        )
    for group, s in r.loyal_looking.items():
        typer.echo(
            f"{group!s:<30} promoters before leaving {s.value:.0f}% "
            f"[{s.low:.0f}, {s.high:.0f}]  n={s.n}"
        )


@report_app.command("clv")
def report_clv(
    workspace: WorkspaceOpt,
    months: Annotated[int, typer.Option(help="Horizon in months.")] = 12,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
    segment: SegmentFilter = None,
    unit: UnitFilter = None,
    first_seen_from: FirstSeenFrom = None,
    first_seen_to: FirstSeenTo = None,
    per_customer: Annotated[
        bool,
        typer.Option(
            "--per-customer",
            help="Also each customer: probability alive, expected purchases and value.",
        ),
    ] = False,
    by: CustomerGroupBy = "segment",
) -> None:
    """Customer lifetime value by segment or --by (BG/NBD + Gamma-Gamma); --segment, --unit
    and --first-seen-from/--first-seen-to choose the customers shown (the model is fitted on
    all)."""
    ws, scope, behaviour, today = _behaviour(workspace, data_dir)
    filters = behaviour.ChurnFilters.parse(
        {
            "segment": segment,
            "unit": unit,
            "first_seen_from": first_seen_from,
            "first_seen_to": first_seen_to,
            "by": by,
        }
    )
    try:
        clv, _money = behaviour.clv_and_money(
            workspace=ws, scope=scope, as_of=today, months=months, filters=filters
        )
    except behaviour.NoMatchingCustomers as exc:
        if as_json:
            _print_json(behaviour.clv_none_dict(exc, filters, months))
        else:
            typer.echo(_t("0 customers: %(why)s") % {"why": exc})
        return
    data = behaviour.clv_as_dict(clv, filters, per_customer=per_customer)
    if as_json:
        _print_json(data)
        return
    for r in clv.by_segment.to_dict("records"):
        typer.echo(
            f"{r['segment']!s:<30} n={r['customers']:<6} mean {r['mean_clv']:10.0f} "
            f"[{r['low']:.0f}, {r['high']:.0f}]  total {r['total_clv']:.0f}"
        )
    for c in data.get("per_customer", []):
        typer.echo(
            f"{c['customer_id']!s:<20} {c['segment']!s:<16} "
            + _t("alive %(p)s, expected purchases %(e)s, value %(v)s")
            % {
                "p": f"{c['p_alive'] or 0:.2f}",
                "e": f"{c['expected_purchases'] or 0:.2f}",
                "v": f"{c['clv'] or 0:.0f}",
            }
        )


@report_app.command("money")
def report_money(
    workspace: WorkspaceOpt,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
    fmt: Annotated[
        str,
        typer.Option("--format", help="table, json, or html/pdf: the one-page leadership report."),
    ] = "table",
    output: Annotated[Path | None, typer.Option(help="File for --format html or pdf.")] = None,
    language: Annotated[str | None, typer.Option(help="ru, uk or en (html and pdf).")] = None,
    segment: SegmentFilter = None,
    unit: UnitFilter = None,
    first_seen_from: FirstSeenFrom = None,
    first_seen_to: FirstSeenTo = None,
    by: CustomerGroupBy = "segment",
) -> None:
    """Revenue and CLV by loyalty group, value at risk by touchpoint and segment (or --by),
    narrowed by
    --segment, --unit and --first-seen-from/--first-seen-to; with --format html or pdf the
    one-page leadership report (also initiatives' measured return and the three things to
    change first)."""
    narrowing = {
        "segment": segment,
        "unit": unit,
        "first_seen_from": first_seen_from,
        "first_seen_to": first_seen_to,
    }
    if fmt in ("html", "pdf") and (any(narrowing.values()) or by != "segment"):
        raise CxrayError(
            "--segment, --unit, --first-seen-from/--first-seen-to and --by apply to --format "
            "table or json; the leadership report (html, pdf) always covers every customer"
        )
    if fmt in ("html", "pdf"):
        from cxray.cli_initiatives import write_leadership_report

        write_leadership_report(workspace, fmt, output, language, data_dir)
        return
    if fmt not in ("table", "json"):
        raise CxrayError(f"--format must be table, json, html or pdf, not {fmt!r}")
    as_json = as_json or fmt == "json"
    ws, scope, behaviour, today = _behaviour(workspace, data_dir)
    filters = behaviour.ChurnFilters.parse({**narrowing, "by": by})
    try:
        clv, money = behaviour.clv_and_money(
            workspace=ws, scope=scope, as_of=today, filters=filters
        )
    except behaviour.NoMatchingCustomers as exc:
        if as_json:
            _print_json(behaviour.money_none_dict(exc, filters))
        else:
            typer.echo(_t("0 customers: %(why)s") % {"why": exc})
        return
    data = behaviour.money_as_dict(money, clv, filters)
    if as_json:
        _print_json(data)
        return
    for r in data["by_loyalty"]:
        typer.echo(
            f"{r['group']!s:<30} n={r['customers']:<6} "
            + _t("revenue per customer %(r)s, mean CLV %(c)s")
            % {"r": f"{r['revenue_per_customer'] or 0:.0f}", "c": f"{r['mean_clv'] or 0:.0f}"}
        )
    for r in data["value_at_risk_by_touchpoint"]:
        typer.echo(
            f"{r['touchpoint_id']!s:<30} at risk {r['value_at_risk']:12.0f} "
            f"[{r['low']:.0f}, {r['high']:.0f}]  n={r['n']}"
        )


@report_app.command("text")
def report_text(
    workspace: WorkspaceOpt,
    language: Annotated[str | None, typer.Option(help="ru, uk, en or mixed")] = None,
    segment: Annotated[str | None, typer.Option(help="Only customers of this segment.")] = None,
    touchpoint: Annotated[str | None, typer.Option(help="Only answers about one touchpoint.")] = (
        None
    ),
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Themes in comments and in "what must change" answers, with mood, share and quotes."""
    setup(data_dir)
    from cxray.analytics.text_report import text_report
    from cxray.web.analytics_store import analytics
    from cxray.web.dashboards.text_analysis import text_fill_now
    from cxray.web.workspaces.services import workspace_get

    slug = workspace_get(slug=workspace).slug
    text_fill_now(workspace_slug=slug)
    with analytics() as store:
        report = text_report(store, slug, language=language, segment=segment, touchpoint=touchpoint)
    if as_json:
        from dataclasses import asdict

        _print_json(asdict(report))
        return
    typer.echo(f"{report.texts} texts; {report.sentiment}; {report.by_language}")
    for f in report.themes:
        typer.echo(
            f"{f.theme:<18} {f.mentions:>6} {f.share:5.1f}%  negative {f.negative_share:3.0f}%"
            f"  score with/without {f.score_with:.1f}/{f.score_without:.1f}"
        )


@report_app.command("drivers")
def report_drivers(
    workspace: Annotated[
        str | None,
        typer.Option("--workspace", "-w", help="The workspace's short name (or use --file)."),
    ] = None,
    outcome: Annotated[
        str,
        typer.Option(
            help="nps or churned (touchpoints as drivers), or themes; with --file: the "
            "outcome column (a score, or two values such as satisfied / not)"
        ),
    ] = "nps",
    method: Annotated[str, typer.Option(help="shapley or relative_weights (Johnson).")] = (
        "shapley"
    ),
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            exists=True,
            dir_okay=False,
            help="A wide table (CSV, XLSX or JSON), one row per respondent and a column per "
            "rating question, analysed as it is instead of a workspace.",
        ),
    ] = None,
    columns: Annotated[
        str | None, typer.Option(help="With --file: the rating columns, comma-separated.")
    ] = None,
    na: Annotated[
        str | None,
        typer.Option(help="With --file: ratings meaning 'not applicable', e.g. 0 or 0,9."),
    ] = None,
    boot: Annotated[
        int | None,
        typer.Option(help="With --file: bootstrap replicates for the intervals (0: none); 200."),
    ] = None,
    segment: Annotated[
        str | None, typer.Option(help="Only the answers of this segment's customers.")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="segment: the drivers of each segment apart.")
    ] = None,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Which touchpoints (or comment themes, or the rating columns of a file) drive the score:
    Shapley values or relative weights, with bootstrap intervals; --segment or --by segment
    for the touchpoints' drivers of one segment or of each."""
    from cxray.analytics.drivers import METHODS

    if method not in METHODS:
        raise CxrayError(f"--method must be {' or '.join(METHODS)}, not {method!r}")
    if by not in (None, "segment"):
        raise CxrayError(f"--by must be segment, not {by!r}")
    if (segment or by) and (file is not None or outcome == "themes"):
        raise CxrayError("--segment and --by go with --outcome nps or churned of a workspace")
    if by and workspace is not None:
        ws, scope, behaviour, _today = _behaviour(workspace, data_dir)
        _print_drivers_by_segment(
            behaviour.drivers_by_segment(workspace=ws, scope=scope, outcome=outcome, method=method),
            as_json,
        )
        return
    if file is not None:
        if workspace is not None:
            raise CxrayError("give --workspace or --file, not both")
        result = _drivers_of_file(file, outcome, columns, na, method, 200 if boot is None else boot)
    elif workspace is None:
        raise CxrayError("give --workspace NAME, or --file FILE --outcome COLUMN --columns A,B")
    else:
        if columns is not None or na is not None or boot is not None:
            raise CxrayError("--columns, --na and --boot go with --file")
        ws, scope, behaviour, _today = _behaviour(workspace, data_dir)
        if outcome not in ("nps", "churned", "themes"):
            raise CxrayError(f"--outcome must be nps, churned or themes, not {outcome!r}")
        if outcome == "themes":
            from cxray.web.dashboards.text_analysis import text_fill_now

            text_fill_now(workspace_slug=ws.slug)
            result = behaviour.theme_drivers(workspace=ws, scope=scope, method=method)
        else:
            result = behaviour.drivers(
                workspace=ws, scope=scope, outcome=outcome, method=method, segment=segment
            )
    if as_json:
        _print_json(result.as_dict())
        return
    typer.echo(f"{result.method} ({result.model})")
    _print_driver_weights(result.as_dict())


def _print_driver_weights(data: dict) -> None:
    typer.echo(f"R² {data['r2']:.3f} [{data['r2_low']:.3f}, {data['r2_high']:.3f}]  n={data['n']}")
    for w in data["weights"]:
        typer.echo(
            f"{w['rank']:>2}. {w['driver']:<28} {w['share']:5.1f}% "
            f"[{w['share_low']:.1f}, {w['share_high']:.1f}]"
        )


def _print_drivers_by_segment(rows: list[dict], as_json: bool) -> None:
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        typer.echo(f"== {row['segment']}")
        if "note" in row:
            typer.echo(f"   {row['note']}")
        else:
            _print_driver_weights(row)


def _drivers_of_file(
    file: Path, outcome: str, columns: str | None, na: str | None, method: str, boot: int
) -> Any:
    """Key drivers straight from a wide file: the data model keeps one score per response, so
    a survey with several rating questions per respondent is read from its export."""
    from cxray.analytics.drivers import key_drivers
    from cxray.ingest.wide import read_wide

    names = [c.strip() for c in (columns or "").split(",") if c.strip()]
    if not names:
        raise CxrayError("--file needs --columns: the rating columns, e.g. --columns 'Food,Seat'")
    try:
        na_values = [float(v) for v in (na or "").replace(";", ",").split(",") if v.strip()]
    except ValueError as exc:
        raise CxrayError(f"--na takes numbers such as 0 or 0,99, not {na!r}") from exc
    frame = read_wide(file, [outcome, *names], text=[outcome])
    return key_drivers(frame, outcome, names, method=method, n_boot=boot, na_values=na_values)


@app.command()
def export(
    file: Annotated[str, typer.Argument(help="The zip file to write (CSV per table), or: journey")],
    workspace: WorkspaceOpt,
    name: Annotated[str | None, typer.Argument(help="With `journey`: the journey's code.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Export a workspace's data as a zip of CSV files (UTF-8, Excel-safe), or one journey
    map as YAML on standard output: cxray export journey CODE --workspace NAME."""
    setup(data_dir)
    if file == "journey" and name:
        from cxray.cli_journeys import export_journey

        export_journey(name, workspace)
        return
    if name:
        raise CxrayError(f"unexpected {name!r}: write `cxray export FILE.zip --workspace NAME`")
    from cxray.web.workspaces.export import export_zip
    from cxray.web.workspaces.services import workspace_get

    export_zip(workspace=workspace_get(slug=workspace), path=Path(file))
    typer.echo(_t("written %(file)s") % {"file": file})


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write.")],
    workspace: Annotated[
        list[str] | None,
        typer.Option("--workspace", "-w", help="Only these workspaces (repeatable)."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Back up workspaces (both stores) to one file."""
    setup(data_dir)
    from cxray.web.workspaces.backup import backup_create

    slugs = backup_create(path=file, slugs=workspace or None)
    if slugs:
        message = _t("backed up %(workspaces)s to %(file)s")
    else:
        message = _t("backed up nothing to %(file)s")
    typer.echo(message % {"workspaces": ", ".join(slugs), "file": file})


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A cxray backup file.")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite workspaces that exist.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Restore workspaces from a backup file."""
    setup(data_dir)
    from cxray.web.workspaces.backup import backup_restore

    slugs = backup_restore(path=file, replace=replace)
    typer.echo(_t("restored %(workspaces)s") % {"workspaces": ", ".join(slugs)})


# --- surveys ---------------------------------------------------------------------------------
@survey_app.command("list")
def survey_list(
    workspace: WorkspaceOpt, data_dir: DataDir = None, as_json: JsonOpt = False
) -> None:
    """List the surveys with their type, purpose, owner, status and public link."""
    setup(data_dir)
    from cxray.web.surveys.selectors import survey_list as surveys
    from cxray.web.workspaces.services import workspace_get

    base = os.environ.get("CXRAY_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
    rows = [
        {
            "id": s.pk,
            "name": s.name,
            "type": s.type,
            "purpose": s.purpose,
            "owner": s.owner_label,
            "status": s.status,
            "public_link": f"{base}/s/{s.public_token}/",
            "responses": s.n_responses,
            "responses_30d": s.n_recent,
        }
        for s in surveys(workspace=workspace_get(slug=workspace))
    ]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        typer.echo(
            f"{row['id']}\t{row['name']}\t{row['type']}\t{row['status']}\t"
            f"{row['owner'] or '-'}\t{row['purpose'] or '-'}\t{row['public_link']}"
        )


@survey_app.command("value")
def survey_value(
    workspace: WorkspaceOpt, data_dir: DataDir = None, as_json: JsonOpt = False
) -> None:
    """Which surveys led to action: answers, cases reacted to, initiatives, idle ones flagged."""
    setup(data_dir)
    from cxray.web.surveys.value import survey_values
    from cxray.web.workspaces.services import workspace_get

    rows = [v.as_dict() for v in survey_values(workspace=workspace_get(slug=workspace))]
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        flag = _t("nobody acts on it") if r["idle"] else ""
        typer.echo(
            f"{r['id']}\t{r['name']}\t{r['answers']}\t"
            f"{r['cases_reacted']}/{r['cases_resolved']}/{r['cases']}\t"
            f"{len(r['initiatives'])}\t{r['last_action'] or '-'}\t{flag}"
        )


@survey_app.command("invite")
def survey_invite(
    survey_id: Annotated[int, typer.Argument(help="The survey's id (see `cxray survey list`).")],
    file: Annotated[
        Path, typer.Argument(help="CSV of email,name,customer_id,language (header optional).")
    ],
    workspace: WorkspaceOpt,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Invite the people in FILE by email, under the workspace's contact policy."""
    setup(data_dir)
    from cxray.errors import InvalidInputError
    from cxray.web.surveys.invitations import contacts_from_csv, invitations_send
    from cxray.web.surveys.models import Survey
    from cxray.web.workspaces.services import workspace_get

    ws = workspace_get(slug=workspace)
    survey = Survey.objects.filter(workspace=ws, pk=survey_id).first()
    if survey is None:
        raise InvalidInputError(f"no survey {survey_id} in workspace {workspace!r}")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InvalidInputError(f"no such file: {file}") from exc
    except UnicodeDecodeError:
        text = file.read_text(encoding="cp1251")
    import contextlib

    # Without an SMTP server the mails are printed: to stderr, so that stdout stays the report.
    with contextlib.redirect_stdout(sys.stderr):
        results = invitations_send(survey=survey, contacts=contacts_from_csv(text))
    counts = {
        s: sum(r.status == s for r in results) for s in ("sent", "waiting", "skipped", "failed")
    }
    reasons: dict[str, int] = {}
    for r in results:
        if r.reason:
            reasons[r.reason] = reasons.get(r.reason, 0) + 1
    if as_json:
        _print_json(
            {
                **counts,
                "reasons": reasons,
                "contacts": [
                    {"email": r.email, "status": r.status, "reason": r.reason, "detail": r.detail}
                    for r in results
                ],
            }
        )
        return
    from django.utils import translation

    typer.echo("  ".join(f"{k}: {v}" for k, v in counts.items()))
    with translation.override(_lang(None)):
        for r in results:
            if r.status != "sent":
                typer.echo(f"{r.email}\t{r.status}\t{r.reason_text}")


@survey_app.command("export")
def survey_export(
    survey_id: Annotated[int, typer.Argument(help="The survey's id (see `cxray survey list`).")],
    out: Annotated[Path, typer.Argument(help="The file to write: .csv or .xlsx.")],
    workspace: WorkspaceOpt,
    data_dir: DataDir = None,
) -> None:
    """Write a survey's responses with their themes, codes and case notes to OUT."""
    setup(data_dir)
    from cxray.web.surveys.export import export_file
    from cxray.web.workspaces.services import workspace_get

    n = export_file(workspace=workspace_get(slug=workspace), survey_id=survey_id, path=out)
    typer.echo(_t("%(n)d responses written to %(file)s.") % {"n": n, "file": out})


@survey_app.command("resync")
def survey_resync(workspace: WorkspaceOpt, data_dir: DataDir = None) -> None:
    """Copy every survey answer of the workspace to the analytics store again, from the app
    database (stop `cxray serve` first, or use the API while it runs)."""
    setup(data_dir)
    from cxray.web.surveys.resync import responses_resync
    from cxray.web.workspaces.services import workspace_get

    n = responses_resync(workspace=workspace_get(slug=workspace))
    typer.echo(_t("%(n)d survey answers copied to the analytics store again.") % {"n": n})


# `cxray check` and `cxray customer` live in cli_trust.py.
from cxray.cli_trust import register as _register_trust  # noqa: E402

_register_trust(app)

# `cxray journey list` (and the journey kind of import/export) lives in cli_journeys.py.
from cxray.cli_journeys import register as _register_journeys  # noqa: E402

_register_journeys(app)

# Initiatives, `cxray report initiative`, `cxray report kpi` and the leadership report.
from cxray.cli_initiatives import register as _register_initiatives  # noqa: E402

_register_initiatives(app, report_app)

# Churn interviews, self-tests and competitors live in their own module.
from cxray.cli_research import register as _register_research  # noqa: E402

_register_research(app, report_app)

# Cases, the worker and the reaction report live in their own module.
from cxray.cli_cases import register as _register_cases  # noqa: E402

_register_cases(app, report_app)

# Attachment to a person, employee surveys (EX beside CX) and internal service.
from cxray.cli_people import register as _register_people  # noqa: E402

_register_people(report_app)

# Discovered themes (optionally in one score band) and re-coding with people's corrections.
from cxray.cli_text import register as _register_text  # noqa: E402

_register_text(app)


def main() -> None:
    try:
        app()
    except CxrayError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
