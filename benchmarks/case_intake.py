"""What the case hook adds to one survey answer (cxray.web.cases, docs/decisions/0011).

In one process and one fresh data directory, submits N answers through ``response_submit``
(autocommit, so the on-commit hook runs as in a request) with the hook on and with it off;
the hook only queues the answer, and the background thread that opens the cases is timed
until its queue is empty.
interleaved in blocks so both see the same machine state. Half of the answers are detractors
with a comment (they open cases), half promoters without one. Prints JSON: the median and p95
milliseconds per answer with and without the hook, the cases opened, and the first-call cost
of loading the text lexicons (paid once per process)::

    .venv/bin/python benchmarks/case_intake.py --answers 400
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=400)
    args = parser.parse_args()
    os.environ["CXRAY_DATA_DIR"] = tempfile.mkdtemp(prefix="cxray-bench-")
    os.environ["CXRAY_TEXT_ANALYSIS"] = "off"
    from cxray.cli import setup

    setup(None)
    from django.conf import settings

    settings.CXRAY_SURVEY_SYNC_INLINE = False  # the analytics sync stays in its thread
    from django.contrib.auth import get_user_model

    from cxray.web.accounts.models import Role
    from cxray.web.accounts.services import membership_set
    from cxray.web.cases.models import Case
    from cxray.web.journeys.services import touchpoint_upsert
    from cxray.web.surveys import services
    from cxray.web.surveys.services import (
        ResponseContext,
        response_submit,
        survey_create,
        survey_publish,
    )
    from cxray.web.workspaces.services import workspace_create

    ws = workspace_create(slug="bench", name="Bench", language="ru")
    owner = get_user_model().objects.create_user(username="owner", password="x-bench-12345")
    membership_set(user=owner, workspace=ws, role=Role.ADMIN)
    tp = touchpoint_upsert(workspace=ws, code="reception", name="Reception")
    survey = survey_publish(
        survey=survey_create(
            workspace=ws, name="Visit", purpose="Bench", owner_user=owner, touchpoint=tp
        )
    )
    hook = services._case_hook
    t = time.perf_counter()
    from cxray.text import analyze

    analyze(["Долго ждали в регистратуре"])
    first_call_ms = (time.perf_counter() - t) * 1000
    comments = [
        "Долго ждали в регистратуре, администратор грубил",
        "Дорого и непонятно",
        "Врач опоздал на 40 минут",
        "Не перезвонили, как обещали",
    ]
    timings: dict[str, list[float]] = {"with_hook": [], "without_hook": []}
    for i in range(args.answers):
        on = (i // 20) % 2 == 0
        services._case_hook = hook if on else (lambda response_id: None)
        low = i % 2 == 0
        t = time.perf_counter()
        response_submit(
            survey=survey,
            score=2 if low else 10,
            comment=comments[i % 4] if low else "",
            customer_id=f"c{i}",
            context=ResponseContext(touchpoint="reception"),
        )
        timings["with_hook" if on else "without_hook"].append((time.perf_counter() - t) * 1000)
    services._case_hook = hook
    from cxray.web.cases.intake import case_intake_wait

    t = time.perf_counter()
    drained = case_intake_wait(timeout=300)
    drain_s = time.perf_counter() - t

    def p95(xs: list[float]) -> float:
        return sorted(xs)[int(0.95 * (len(xs) - 1))]

    out = {
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        "answers": args.answers,
        "with_hook_median_ms": round(statistics.median(timings["with_hook"]), 2),
        "with_hook_p95_ms": round(p95(timings["with_hook"]), 2),
        "without_hook_median_ms": round(statistics.median(timings["without_hook"]), 2),
        "without_hook_p95_ms": round(p95(timings["without_hook"]), 2),
        "cases_opened": Case.objects.count(),
        "queue_drained": drained,
        "queue_drain_after_last_answer_s": round(drain_s, 2),
        "text_first_call_ms": round(first_call_ms, 1),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
