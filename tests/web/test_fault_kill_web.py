"""The web server killed with SIGKILL in the middle of an import and of a survey burst.

``tests/ingest/test_fault_kill.py`` kills the CLI; here the process is a real ``cxray serve``
on a temporary data directory, fed through its API and its public survey page. After the kill
a new server is started on the same directory. What was acknowledged must be there, nothing
may be half-stored, and the analytics store rebuilt from the app database must give the
figures the app database gives.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fault_kill_support import (
    N_SEED,
    SEED_TOTAL,
    app_rows,
    child_env,
    file_size,
    store_figures,
    write_transactions,
)

pytestmark = pytest.mark.slow

N_ROWS = 150_000  # a couple of seconds of parsing and a tenth of a second of writing here
# amount = (i % 100) + 0.5: each of 0..99 appears 1,500 times, so the total is
# 4,950 × 1,500 + 0.5 × 150,000 = 7,500,000.
BIG_TOTAL = 7_500_000.0

_SETUP = """
import json, sys
from pathlib import Path
from cxray.cli import setup
setup(Path(sys.argv[1]))
from django.contrib.auth import get_user_model
from cxray.web import analytics_store
from cxray.web.accounts.models import Role
from cxray.web.accounts.services import api_token_create, membership_set
from cxray.web.imports.services import import_run
from cxray.web.surveys.services import survey_create, survey_publish
from cxray.web.workspaces.services import workspace_create
ws = workspace_create(slug="acme", name="Acme")
owner = get_user_model().objects.create_user(username="owner", password="x-fault-12345")
membership_set(user=owner, workspace=ws, role=Role.ADMIN)
import_run(workspace=ws, kind="transactions", path=Path(sys.argv[2]), analyse_text="off")
survey = survey_publish(survey=survey_create(workspace=ws, name="After the visit",
    purpose="Decide on evening hours", owner_user=owner))
_token, key = api_token_create(workspace=ws, user=owner, name="fault test")
analytics_store.close()
print(json.dumps({"key": key, "survey": survey.public_token, "survey_id": survey.pk}))
"""


def _web_env(data_dir: Path) -> dict[str, str]:
    env = child_env(data_dir)
    # Every client shares one address and one survey; the limiter must not be what stops them.
    env.update(CXRAY_SURVEY_RATE_PER_IP="100000000", CXRAY_SURVEY_RATE_PER_TOKEN="100000000")
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A ``cxray serve`` process on a data directory (stderr to a file, never a pipe)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir, self.port = data_dir, _free_port()
        self.log = data_dir.parent / f"server-{time.monotonic_ns()}.log"
        with self.log.open("w") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cxray", "serve", "--port", str(self.port)],
                env=_web_env(data_dir),
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        end = time.monotonic() + 60
        while time.monotonic() < end:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                status, _ = self.request("GET", "/api/v1/docs", timeout=2)
                if status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"the server did not start: {self.log.read_text()}")

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _multipart(path: Path) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    body = head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> dict:
    """The big file, and a data directory with workspace acme: seed rows, a token, a survey."""
    root = tmp_path_factory.mktemp("webfault")
    big, seed = root / "big.csv", root / "seed.csv"
    write_transactions(big, seed, N_ROWS)
    data = root / "seeded"
    out = subprocess.run(
        [sys.executable, "-c", _SETUP, str(data), str(seed)],
        env=_web_env(data),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr
    assert store_figures(data) == (N_SEED, SEED_TOTAL)
    return {"big": big, "data": data, **json.loads(out.stdout.strip().splitlines()[-1])}


def _copy(seeded: dict, tmp_path: Path, name: str) -> Path:
    data = tmp_path / name
    shutil.copytree(seeded["data"], data)
    return data


# --- an import through the API -----------------------------------------------------------
@dataclass
class ImportKill:
    killed: bool
    db_growth: int
    wal_growth: int
    reply: str = ""


def _import_and_kill(server: Server, seeded: dict, growth: int) -> ImportKill:
    """POST the big file and SIGKILL the server once the store file has grown by ``growth``
    bytes while its log has not (rows written, no commit yet)."""
    db = server.data_dir / "analytics.duckdb"
    wal = server.data_dir / "analytics.duckdb.wal"
    db0, wal0 = file_size(db), file_size(wal)
    body, content_type = _multipart(seeded["big"])
    headers = {"Authorization": f"Bearer {seeded['key']}", "Content-Type": content_type}
    reply: list[str] = []

    def post() -> None:
        try:
            status, text = server.request("POST", "/api/v1/imports/transactions", body, headers)
            reply.append(f"{status} {text[:300]!r}")
        except (OSError, http.client.HTTPException) as exc:
            reply.append(type(exc).__name__)

    client = threading.Thread(target=post, daemon=True)
    client.start()
    deadline = time.monotonic() + 120
    try:
        while client.is_alive() and time.monotonic() < deadline:
            grown, wal_grown = file_size(db) - db0, file_size(wal) - wal0
            if grown >= growth and wal_grown == 0:
                server.kill()
                client.join(timeout=10)
                return ImportKill(True, grown, wal_grown, "".join(reply))
            time.sleep(0.002)
    finally:
        client.join(timeout=60)
    server.kill()
    return ImportKill(False, file_size(db) - db0, file_size(wal) - wal0, "".join(reply))


def test_web_import_killed_mid_write_stores_nothing_and_runs_again(seeded, tmp_path):
    results: list[ImportKill] = []
    for attempt, growth in enumerate((1 << 20, 128 << 10, 1)):
        data = _copy(seeded, tmp_path, f"import{attempt}")
        result = _import_and_kill(Server(data), seeded, growth)
        results.append(result)
        if result.killed:
            break
    assert result.killed, f"every import ended before the server could be killed: {results}"
    # Rows were being written into the store file and the commit was not in its log yet;
    # the client never got an answer.
    assert result.db_growth > 0 and result.wal_growth == 0, result
    assert result.reply in ("", "RemoteDisconnected", "ConnectionResetError"), result
    assert store_figures(data) == (N_SEED, SEED_TOTAL)
    assert app_rows(data, "SELECT file_name, status FROM imports_importrun") == [
        ("seed.csv", "done")
    ]

    server = Server(data)
    try:
        status, text = server.request(
            "GET", "/api/v1/imports", headers={"Authorization": f"Bearer {seeded['key']}"}
        )
        assert status == 200, text
        assert [(r["file_name"], r["stored"]) for r in json.loads(text)] == [("seed.csv", N_SEED)]
        # The same file through the restarted server: stored whole, exactly once.
        body, content_type = _multipart(seeded["big"])
        status, text = server.request(
            "POST",
            "/api/v1/imports/transactions",
            body,
            {"Authorization": f"Bearer {seeded['key']}", "Content-Type": content_type},
            timeout=180,
        )
        assert status == 201, text
        run = json.loads(text)
        assert (run["n_rows"], run["stored"], run["unchanged"]) == (N_ROWS, N_ROWS, 0)
    finally:
        server.stop()
    assert store_figures(data) == (N_SEED + N_ROWS, SEED_TOTAL + BIG_TOTAL)
    # One import in the audit log: the killed request never answered, so it left no line.
    actions = app_rows(data, "SELECT action FROM audit_auditevent")
    assert [a for (a,) in actions if "import" in a] == ["import_upload"], actions


# --- a burst of survey answers -----------------------------------------------------------
_REBUILD = """
import json, sys
from pathlib import Path
from cxray.cli import setup
setup(Path(sys.argv[1]))
from cxray.web.accounts.scope import Scope
from cxray.web.analytics_store import analytics
from cxray.web.dashboards.selectors import score_report
from cxray.web.surveys.models import SurveyResponse
from cxray.web.surveys.services import responses_sync
from cxray.web.workspaces.models import Workspace
ws = Workspace.objects.get(slug="acme")
def nps():
    s = score_report(workspace=ws, scope=Scope(), metric="nps")[None]
    return [s.value, s.n]
synced = nps()
# The rebuild: drop every survey answer from the store and copy them again from the app database.
with analytics() as store:
    store.raw.execute(
        "DELETE FROM responses WHERE workspace = 'acme' AND row_key LIKE 'survey-response-%'"
    )
SurveyResponse.objects.filter(workspace=ws).update(synced_at=None)
copied = responses_sync(workspace=ws)
print(json.dumps({"synced": synced, "rebuilt": nps(), "copied": copied}))
"""


@dataclass(eq=False)  # a thread must stay hashable
class Respondent(threading.Thread):
    """Posts answers as a browser without JavaScript does, until the server goes away."""

    port: int
    path: str
    index: int
    sent: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    acknowledged: set[str] = field(default_factory=set)
    pending: str | None = None  # the key of the request in flight
    pending_at_kill: str | None = None

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        for j in range(100_000):
            score = (3 * self.index + j) % 11
            key = uuid.uuid4().hex
            comment = f"respondent {self.index} answer {j}: " + "очередь " * (j % 5)
            follow_up = "shorter queue" if score < 10 else ""
            self.sent[key] = (score, comment.strip(), follow_up)
            body = urlencode(
                {"score": score, "comment": comment, "follow_up": follow_up, "key": key}
            )
            self.pending = key
            try:
                conn.request(
                    "POST",
                    self.path,
                    body=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                return  # the server is gone; `pending` is the answer left without a reply
            self.pending = None
            if response.status == 302:
                self.acknowledged.add(key)


def _stored(data_dir: Path, survey_id: int) -> list[tuple]:
    return app_rows(
        data_dir,
        "SELECT idempotency_key, score, comment, follow_up, synced_at IS NOT NULL "
        "FROM surveys_surveyresponse WHERE survey_id = ?",
        (survey_id,),
    )


def _checkers(data_dir: Path) -> list[int]:
    """The pids of the case checker processes (``worker --cases-only``) on ``data_dir``."""
    want = f"CXRAY_DATA_DIR={data_dir.resolve()}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            env = (proc / "environ").read_bytes().split(b"\0")
        except OSError:  # not a process, gone, or not ours
            continue
        if b"--cases-only" in cmd and want in env:
            found.append(int(proc.name))
    return found


def _wait_for(check, seconds: float = 30) -> bool:
    end = time.monotonic() + seconds
    while not check() and time.monotonic() < end:
        time.sleep(0.2)
    return check()


def test_survey_burst_killed_keeps_every_acknowledged_answer(seeded, tmp_path):
    data = _copy(seeded, tmp_path, "burst")
    path = f"/s/{seeded['survey']}/"
    server = Server(data)
    # The case check runs in a second process beside the server (docs/decisions/0017).
    assert _wait_for(lambda: len(_checkers(data)) == 1), server.log.read_text()[-2000:]
    clients = [Respondent(server.port, path, i) for i in range(6)]
    for c in clients:
        c.start()
    deadline = time.monotonic() + 60
    while sum(len(c.acknowledged) for c in clients) < 60 and time.monotonic() < deadline:
        time.sleep(0.01)
    for c in clients:
        c.pending_at_kill = c.pending
    server.kill()
    for c in clients:
        c.join(timeout=30)
    # The checker ends with the server it was started by, even one killed outright.
    assert _wait_for(lambda: not _checkers(data), 10), _checkers(data)
    assert sum(len(c.acknowledged) for c in clients) >= 60, server.log.read_text()[-2000:]
    assert any(c.pending_at_kill for c in clients), "no answer in flight: the kill missed"
    # Each client stopped at its first failed request: the one answer it has no reply for.
    in_flight = [c.pending for c in clients if c.pending]

    sent = {k: v for c in clients for k, v in c.sent.items()}
    acknowledged = set().union(*(c.acknowledged for c in clients))
    rows = _stored(data, seeded["survey_id"])
    stored = {key: (score, comment, follow_up) for key, score, comment, follow_up, _ in rows}
    assert len(stored) == len(rows), "an answer was stored twice"
    # Every acknowledged answer is there, whole; anything else stored is one that was in
    # flight at the kill, also whole.
    assert {k: stored.get(k) for k in acknowledged} == {k: sent[k] for k in acknowledged}
    assert set(stored) - acknowledged <= set(in_flight)
    assert {k: sent[k] for k in stored} == stored
    unsynced_at_kill = sum(1 for *_, synced in rows if not synced)
    assert unsynced_at_kill > 0, "every answer was already in the store: a burst has a tail"

    def all_synced() -> bool:
        return all(r[-1] for r in _stored(data, seeded["survey_id"]))

    server = Server(data)
    try:
        # The restarted server copies the answers left unsynced by the kill without waiting
        # for a new answer.
        _wait_for(all_synced)
        assert all(r[-1] for r in _stored(data, seeded["survey_id"])), server.log.read_text()
        # The browsers left without an answer send again, with the same key: stored once.
        for key in in_flight:
            score, comment, follow_up = sent[key]
            status, _ = server.request(
                "POST",
                path,
                urlencode({"score": score, "comment": comment, "follow_up": follow_up, "key": key}),
                {"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert status == 302
        _wait_for(all_synced)
        # The restarted server's checker checks what the killed one left: every low score
        # has its case.
        unchecked = "SELECT count(*) FROM surveys_surveyresponse WHERE case_checked_at IS NULL"
        assert _wait_for(lambda: app_rows(data, unchecked) == [(0,)]), server.log.read_text()
    finally:
        server.stop()
    rows = _stored(data, seeded["survey_id"])
    assert sorted(r[0] for r in rows) == sorted(acknowledged | set(in_flight))
    assert all(r[-1] for r in rows)
    linked = app_rows(
        data,
        "SELECT r.score FROM surveys_surveyresponse r JOIN cases_casefeedback f "
        "ON f.response_id = r.id WHERE r.survey_id = ?",
        (seeded["survey_id"],),
    )
    assert sorted(s for (s,) in linked if s <= 6) == sorted(r[1] for r in rows if r[1] <= 6)

    # NPS by hand from the app database: promoters (9–10) minus detractors (0–6), over n.
    scores = [r[1] for r in rows]
    promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
    by_hand = 100 * (promoters - detractors) / len(scores)
    out = subprocess.run(
        [sys.executable, "-c", _REBUILD, str(data)],
        env=_web_env(data),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["copied"] == len(rows)
    assert figures["synced"][1] == figures["rebuilt"][1] == len(rows)
    assert figures["synced"][0] == pytest.approx(by_hand, abs=1e-9)
    assert figures["rebuilt"][0] == pytest.approx(by_hand, abs=1e-9)


# --- a restore -----------------------------------------------------------------------------
_BACKUP = """
import sys
from pathlib import Path
from cxray.cli import setup
setup(Path(sys.argv[1]))
from cxray.web import analytics_store
from cxray.web.imports.services import import_run
from cxray.web.workspaces.backup import backup_create
from cxray.web.workspaces.services import workspace_get
import_run(workspace=workspace_get(slug="acme"), kind="transactions", path=Path(sys.argv[2]),
    analyse_text="off")
backup_create(path=Path(sys.argv[3]), slugs=["acme"])
analytics_store.close()
"""


def test_restore_killed_mid_write_is_finished_by_the_next_command(seeded, tmp_path):
    # The backup holds acme with the big file imported; the target holds acme without it.
    source, backup = _copy(seeded, tmp_path, "source"), tmp_path / "acme.cxray"
    out = subprocess.run(
        [sys.executable, "-c", _BACKUP, str(source), str(seeded["big"]), str(backup)],
        env=_web_env(source),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr

    for attempt, growth in enumerate((1 << 20, 128 << 10, 1)):
        data = _copy(seeded, tmp_path, f"target{attempt}")
        db, wal = data / "analytics.duckdb", data / "analytics.duckdb.wal"
        journal = data / "restore-pending.json"
        db0, wal0 = file_size(db), file_size(wal)
        proc = subprocess.Popen(
            [sys.executable, "-m", "cxray", "restore", str(backup), "--replace"],
            env=_web_env(data),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        killed = journal_at_kill = False
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if file_size(db) - db0 >= growth and file_size(wal) == wal0:
                journal_at_kill = journal.exists()
                os.kill(proc.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.002)
        proc.wait()
        if killed:
            break
    assert killed, "every restore ended before it could be killed"
    assert journal_at_kill and journal.exists()
    # Killed mid-write: neither store has any of the restore yet.
    assert store_figures(data) == (N_SEED, SEED_TOTAL)
    assert app_rows(data, "SELECT file_name FROM imports_importrun") == [("seed.csv",)]

    # The next command, whatever it is, finishes the restore before it does its own work.
    out = subprocess.run(
        [sys.executable, "-m", "cxray", "workspace", "list", "--json"],
        env=_web_env(data),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr
    assert "finished the interrupted restore of acme" in out.stderr
    assert not journal.exists()
    assert store_figures(data) == (N_SEED + N_ROWS, SEED_TOTAL + BIG_TOTAL)
    assert sorted(app_rows(data, "SELECT file_name, stored FROM imports_importrun")) == [
        ("big.csv", N_ROWS),
        ("seed.csv", N_SEED),
    ]


def test_a_restore_that_fails_leaves_no_journal(db, settings, tmp_path):
    import zipfile

    from django.core.serializers.base import DeserializationError

    from cxray.web.workspaces.backup import FORMAT, backup_restore, restore_resume

    settings.DATA_DIR = tmp_path
    broken = tmp_path / "broken.cxray"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": FORMAT, "workspaces": ["zeta"]}))
        zf.writestr("app.json", '[{"model": "no.such", "pk": 1, "fields": {}}]')
        zf.writestr("imports.json", "[]")
    with pytest.raises(DeserializationError, match=r"no\.such"):
        backup_restore(path=broken)
    # Nothing was committed, so there is nothing for the next command to finish.
    assert not (tmp_path / "restore-pending.json").exists()
    assert restore_resume() == []


def test_an_interrupted_restore_whose_file_is_gone_says_how_to_go_on(db, settings, tmp_path):
    from cxray.errors import CxrayError
    from cxray.web.workspaces.backup import restore_resume

    settings.DATA_DIR = tmp_path
    journal = tmp_path / "restore-pending.json"
    gone = tmp_path / "moved-away.cxray"
    journal.write_text(json.dumps({"backup": str(gone), "workspaces": ["acme"]}))
    with pytest.raises(CxrayError) as error:
        restore_resume()
    message = str(error.value)
    assert "acme" in message and str(gone) in message and str(journal) in message
    assert "--replace" in message
    assert journal.exists()  # kept: the workspaces may still be half restored
