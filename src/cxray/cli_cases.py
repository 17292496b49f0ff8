"""``cxray worker`` (escalations, digests, alerts and webhooks), ``cxray case list`` and
``cxray report reaction``. Thin, like :mod:`cxray.cli`."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from cxray.cli import DataDir, JsonOpt, WorkspaceOpt, _print_json, _t, setup

case_app = typer.Typer(help="Cases: who must react to an unhappy customer.", no_args_is_help=True)
webhook_app = typer.Typer(
    help="Webhooks that tell other systems about cases.", no_args_is_help=True
)


def register(app: typer.Typer, report_app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.add_typer(case_app, name="case")
    app.add_typer(webhook_app, name="webhook")
    report_app.command("reaction")(report_reaction)


def worker(
    data_dir: DataDir = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run every job once and exit (cron).")
    ] = False,
    interval: Annotated[float, typer.Option(help="Seconds between rounds.")] = 30.0,
    cases_only: Annotated[
        bool,
        typer.Option(
            "--cases-only",
            help="Only check new answers for cases as they arrive, until the parent process "
            "ends (what `cxray serve` runs beside itself).",
        ),
    ] = False,
) -> None:
    """Run the scheduled jobs: open missed cases, escalate missed deadlines, queue the daily
    digest, send alerts and webhooks with retries. Each job keeps a bookmark, so a restart
    goes on where it stopped and never sends twice."""
    setup(data_dir)
    from cxray.web.notifications.scheduler import run_forever, run_once

    if cases_only:
        from cxray.web.cases.intake import cases_follow

        parent = os.getppid()
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C when run by hand
            cases_follow(stop=lambda: os.getppid() != parent)
        return
    if once:
        _print_json(run_once())
        return
    typer.echo(_t("Worker running; press Ctrl+C to stop."))
    run_forever(interval_s=interval, release_store=True)


def case_checker_start() -> threading.Thread:
    """Run the answers' case checks in a second process, ``worker --cases-only``
    (docs/decisions/0017): restarted if it dies, it stops when this process ends. Answers
    stored while it is down wait for it in the database, marked unchecked. Returns the thread
    that watches it."""
    from cxray.web.cases.intake import case_checks_elsewhere

    command = [sys.executable, "-m", "cxray", "worker", "--cases-only"]

    def watch() -> None:
        pause = 1.0
        while True:
            started = time.monotonic()
            # Its own session: Ctrl+C in the terminal stops the server, which the checker
            # then follows within a second, instead of both printing an interrupt.
            code = subprocess.Popen(command, start_new_session=True).wait()
            if time.monotonic() - started > 60:
                pause = 1.0  # it ran a good while: a fresh failure, not a crash loop
            logging.getLogger(__name__).error(
                "the case checker process ended (exit code %s); restarting in %.0f s", code, pause
            )
            time.sleep(pause)
            pause = min(pause * 2, 60.0)

    case_checks_elsewhere(True)
    thread = threading.Thread(target=watch, name="case-checker", daemon=True)
    thread.start()
    return thread


def _workspace(slug: str, data_dir: Path | None):
    setup(data_dir)
    from cxray.web.workspaces.services import workspace_get

    return workspace_get(slug=slug)


@case_app.command("list")
def case_list(
    workspace: WorkspaceOpt,
    status: Annotated[
        str, typer.Option(help="open, new, in_progress, waiting, resolved, closed or all.")
    ] = "open",
    overdue: Annotated[bool, typer.Option("--overdue", help="Only past the deadline.")] = False,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """The workspace's cases: status, owner, deadline, reaction."""
    ws = _workspace(workspace, data_dir)
    from cxray.web.accounts.scope import Scope
    from cxray.web.cases.selectors import case_list as select

    qs = select(
        workspace=ws, scope=Scope(), status="" if status == "all" else status, overdue=overdue
    )
    rows = [
        {
            "id": c.pk,
            "title": c.title,
            "status": c.status,
            "owner_unit": c.owner_unit.code if c.owner_unit else None,
            "owner": c.owner_user.get_username() if c.owner_user else None,
            "opened_at": c.opened_at.isoformat(),
            "due_at": c.due_at.isoformat(),
            "first_reaction_at": c.first_reaction_at.isoformat() if c.first_reaction_at else None,
        }
        for c in qs[:1000]
    ]
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        typer.echo(f"#{r['id']:<6} {r['status']:<12} {r['due_at'][:16]}  {r['title']}")


def _h(x: float) -> str:
    return "—" if x is None or math.isnan(x) else f"{x:.1f} h"


def report_reaction(
    workspace: WorkspaceOpt, data_dir: DataDir = None, as_json: JsonOpt = False
) -> None:
    """Time to first reaction and to closure, share within the deadline, and retention and
    next score of customers whose case was handled against comparable ones whose was not."""
    ws = _workspace(workspace, data_dir)
    from django.utils import timezone

    from cxray.web.accounts.scope import Scope
    from cxray.web.cases.selectors import reaction_report

    times, outcome = reaction_report(workspace=ws, scope=Scope(), user_id=None, now=timezone.now())
    data = {"times": times.as_dict(), "outcome": outcome.as_dict() if outcome else None}
    if as_json:
        _print_json(data)
        return
    f, c, w = times.first_reaction, times.closure, times.within_deadline
    typer.echo(
        f"{_t('Cases')}: {times.n_cases}, {_t('Open')}: {times.n_open}, "
        f"{_t('Past the deadline, no reaction')}: {times.n_overdue}"
    )
    typer.echo(f"{_t('Time to first reaction')}: {_h(f.median_h)} (p90 {_h(f.p90_h)}), n={f.n}")
    typer.echo(f"{_t('Time to closure')}: {_h(c.median_h)} (p90 {_h(c.p90_h)}), n={c.n}")
    if w.n:
        typer.echo(
            f"{_t('Reacted within the deadline')}: {w.value:.0f}% "
            f"[{w.low:.0f}, {w.high:.0f}], n={w.n}"
        )
    if outcome is not None:
        for name, cmp in (("retention", outcome.retention), ("next score", outcome.next_score)):
            if cmp.n_handled == 0:
                typer.echo(f"{name}: —")
                continue
            typer.echo(
                f"{name}: handled {cmp.handled:.1f} vs not {cmp.not_handled:.1f}, "
                f"difference {cmp.difference:+.1f} [{cmp.low:+.1f}, {cmp.high:+.1f}], "
                f"n={cmp.n_handled}/{cmp.n_not_handled}{'' if cmp.reliable else ' (few cases)'}"
            )


@webhook_app.command("list")
def webhook_list(
    workspace: WorkspaceOpt, data_dir: DataDir = None, as_json: JsonOpt = False
) -> None:
    """The workspace's webhook endpoints: id, format, events, address."""
    ws = _workspace(workspace, data_dir)
    from cxray.web.notifications.models import WebhookEndpoint

    rows = [
        {"id": ep.pk, "url": ep.url, "format": ep.format, "events": ep.events, "active": ep.active}
        for ep in WebhookEndpoint.objects.filter(workspace=ws)
    ]
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']:<5} {r['format']:<6} {r['events'] or '*':<40} {r['url']}")


@webhook_app.command("test")
def webhook_test(
    webhook_id: Annotated[int, typer.Argument(help="The id from `cxray webhook list`.")],
    workspace: WorkspaceOpt,
    data_dir: DataDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Send a signed test payload to the webhook now and print what the receiver answered;
    it is logged in the delivery log. Exits with 1 when it failed."""
    ws = _workspace(workspace, data_dir)
    from cxray.web.notifications.models import DeliveryStatus
    from cxray.web.notifications.services import webhook_test as send_test

    d = send_test(workspace=ws, pk=webhook_id)
    sent = d.status == DeliveryStatus.SENT
    if as_json:
        _print_json(
            {
                "delivery_id": d.pk,
                "sent": sent,
                "response_code": d.response_code,
                "error": d.last_error,
            }
        )
    elif sent:
        typer.echo(
            _t("Test webhook sent to %(url)s: the receiver answered HTTP %(code)s.")
            % {"url": d.recipient, "code": d.response_code}
        )
    else:
        typer.echo(
            _t("Test webhook to %(url)s failed: %(error)s")
            % {"url": d.recipient, "error": d.last_error},
            err=True,
        )
    if not sent:
        raise typer.Exit(1)
