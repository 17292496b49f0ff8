"""The responses export shared by the web page (CSV, XLSX), the API and the CLI: each answer
with the tags the text analysis gave it and the notes of the case opened from it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.utils import timezone

from cxray.errors import InvalidInputError
from cxray.web.accounts.scope import Scope
from cxray.web.exports import xlsx_bytes
from cxray.web.surveys.models import Survey, SurveyResponse
from cxray.web.surveys.selectors import ResponseFilters, response_list
from cxray.web.workspaces.export import neutralise
from cxray.web.workspaces.models import Workspace

HEADER = (
    "answered",
    "score",
    "comment",
    "follow_up",
    "language",
    "channel",
    "touchpoint",
    "unit",
    "employee",
    "customer",
    "competitor_score",
    "themes",
    "codes",
    "case",
    "case_notes",
)
_FIELDS = (
    "pk",
    "created_at",
    "score",
    "comment",
    "follow_up",
    "language",
    "channel",
    "touchpoint_code",
    "unit_code",
    "employee_code",
    "customer_id",
    "competitor_score",
)
# Notes of one case are joined into one cell; the separator is rare inside a note.
NOTE_SEPARATOR = " | "
# Rows looked up together in the analytics store and the cases tables.
CHUNK = 2000


def response_tags(*, workspace_slug: str, row_keys: list[str]) -> dict[str, tuple[str, str]]:
    """``row_key`` → (theme ids, "scheme:code" items), each sorted and comma-separated, over
    the analysed comment and follow-up of each response."""
    if not row_keys:
        return {}
    from cxray.web.analytics_store import analytics

    with analytics() as store:
        t = store.table("response_texts", workspace_slug)
        rows = (
            t.filter(t.response_key.isin(row_keys))
            .select("response_key", "themes", "codes")
            .to_pyarrow()
            .to_pylist()
        )
    themes: dict[str, set[str]] = {}
    codes: dict[str, set[str]] = {}
    for r in rows:
        key = r["response_key"]
        themes.setdefault(key, set()).update(_items(r["themes"]))
        codes.setdefault(key, set()).update(_items(r["codes"]))
    return {k: (",".join(sorted(themes[k])), ",".join(sorted(codes.get(k, set())))) for k in themes}


def _items(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def response_case_notes(response_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """Response id → (the case it opened or joined, that case's notes oldest first)."""
    from cxray.web.cases.models import Case, CaseEvent, CaseFeedback, EventKind

    ids = list(response_ids)
    case_of = dict(
        CaseFeedback.objects.filter(response_id__in=ids).values_list("response_id", "case_id")
    )
    # The response that opened a case is its feedback too; older cases may only point back.
    for response_id, case_id in Case.objects.filter(response_id__in=ids).values_list(
        "response_id", "pk"
    ):
        case_of.setdefault(response_id, case_id)
    notes: dict[int, list[str]] = {}
    for case_id, text in (
        CaseEvent.objects.filter(case_id__in=set(case_of.values()), kind=EventKind.NOTE)
        .order_by("at", "pk")
        .values_list("case_id", "text")
    ):
        notes.setdefault(case_id, []).append(" ".join(text.split()))
    return {r: (c, NOTE_SEPARATOR.join(notes.get(c, []))) for r, c in case_of.items()}


def export_rows(
    *, survey: Survey, scope: Scope, filters: ResponseFilters | None = None
) -> Iterator[list]:
    """The header, then one row per response the member may see, filtered; every text cell
    neutralised against spreadsheet formulas."""
    qs = response_list(survey=survey, scope=scope, filters=filters)
    yield list(HEADER)
    chunk: list[tuple] = []
    for row in qs.values_list(*_FIELDS).iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield from _rows(survey, chunk)
            chunk = []
    if chunk:
        yield from _rows(survey, chunk)


def _rows(survey: Survey, chunk: list[tuple]) -> Iterator[list]:
    keys = {pk: SurveyResponse(pk=pk).row_key for pk, *_rest in chunk}
    tags = response_tags(workspace_slug=survey.workspace.slug, row_keys=list(keys.values()))
    cases = response_case_notes(keys)
    for pk, at, *values in chunk:
        themes, codes = tags.get(keys[pk], ("", ""))
        case_id, notes = cases.get(pk, (None, ""))
        yield [
            timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"),
            *(neutralise(v) for v in values),
            neutralise(themes),
            neutralise(codes),
            case_id if case_id is not None else "",
            neutralise(notes),
        ]


def export_csv(rows: Iterable[list]) -> str:
    """CSV text with a BOM, so that Excel reads it as UTF-8."""
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return "\ufeff" + text.getvalue()


def export_file(
    *,
    workspace: Workspace,
    survey_id: int,
    path: Path,
    filters: ResponseFilters | None = None,
) -> int:
    """Write a survey's responses (the whole workspace's view) to ``path``: .csv or .xlsx by
    its suffix. Returns how many responses were written."""
    from cxray.analytics.anonymity import EMPLOYEE_METRICS

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidInputError(f"{path.name}: the export file must end in .csv or .xlsx")
    survey = Survey.objects.filter(workspace=workspace, pk=survey_id).first()
    if survey is None:
        raise InvalidInputError(
            f"no survey {survey_id} in workspace {workspace.slug!r}; see `cxray survey list`"
        )
    if survey.type in EMPLOYEE_METRICS:
        raise InvalidInputError(
            f"survey {survey_id} is an employee survey: its answers are anonymous and are "
            "shown only as groups (`cxray report employees`, `cxray report internal`)"
        )
    rows = list(export_rows(survey=survey, scope=Scope(), filters=filters))
    if suffix == ".csv":
        path.write_text(export_csv(rows), encoding="utf-8")
    else:
        path.write_bytes(xlsx_bytes([("Responses", rows)]))
    return len(rows) - 1
