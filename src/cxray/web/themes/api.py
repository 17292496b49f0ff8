"""/api/v1/themes: discovered themes (optionally in one score band) and re-coding texts with
people's corrections.

Discovered themes quote texts from the whole workspace, so a token of a unit-scoped or
frontline member gets 403 (as on the page); starting a run or re-coding needs an admin's or a
CX manager's token.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from cxray.web.accounts.scope import can_import
from cxray.web.api.schemas import ErrorOut, StrictIn
from cxray.web.themes.models import DiscoveryRun, TextSource
from cxray.web.themes.selectors import run_latest, run_themes, score_filter_name
from cxray.web.themes.services import (
    DEFAULT_LIMIT,
    discovery_start,
    score_filter_key,
    texts_recode,
)

router = Router(tags=["themes"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _reader(request: HttpRequest) -> None:
    if not request.scope.is_full:
        raise HttpError(403, "discovered themes cover the whole workspace; this token sees part")


def _writer(request: HttpRequest) -> None:
    _reader(request)
    if not can_import(request.membership):
        raise HttpError(403, f"the role {request.membership.role!r} may not do this")


def _field(value: str) -> str:
    if value not in TextSource.values:
        raise HttpError(400, f"field must be one of {', '.join(TextSource.values)}")
    return value


class DiscoverIn(StrictIn):
    field: str = "comment"
    metric: str = ""  # nps, csat, ces or enps; empty: every answer
    band: str = ""  # low, middle or top (NPS detractors, passives, promoters)
    limit: int = Field(DEFAULT_LIMIT, ge=10, le=20_000)


class RecodeOut(Schema):
    examined: int
    changed: int
    verdicts: int


def _run_out(run: DiscoveryRun | None, *, with_themes: bool = True) -> dict[str, Any]:
    if run is None:
        return {"run": None, "themes": []}
    out: dict[str, Any] = {
        "run": {
            "id": run.pk,
            "field": run.field,
            "score_filter": run.score_filter,
            "score_filter_name": score_filter_name(run.score_filter),
            "status": run.status,
            "error": run.error,
            "n_texts": run.n_texts,
            "k": run.k,
            "silhouette": run.silhouette,
            "created_at": run.created_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        },
        "themes": [],
    }
    if with_themes:
        out["themes"] = [
            {
                "id": t.theme_id,
                "label": t.label,
                "labels": t.labels,
                "size": t.size,
                "quotes": t.quotes,
            }
            for t in run_themes(run=run)
        ]
    return out


@router.get("", response={200: dict, **ERRORS})
def themes(
    request: HttpRequest,
    field: Query[str] = "comment",
    metric: Query[str] = "",
    band: Query[str] = "",
):
    """The latest finished discovery run of one field and score band, with its themes.

    ``metric`` and ``band`` pick the run: e.g. ``metric=nps&band=low`` for what detractors
    write about; none for the run over every answer."""
    _reader(request)
    key = score_filter_key(metric, band)
    run = run_latest(workspace=request.workspace, field=_field(field), score_filter=key)
    return _run_out(run)


@router.post("/discover", response={202: dict, **ERRORS})
def discover(request: HttpRequest, body: DiscoverIn):
    """Start discovering themes among the most recent ``limit`` texts of one field, only those
    of answers in a score band when ``metric``/``band`` are given. Runs in the background
    (minutes for thousands of texts); read the result with GET /themes and the same filter.
    409 while a run is going on for the workspace."""
    _writer(request)
    key = score_filter_key(body.metric, body.band)
    run = discovery_start(
        workspace=request.workspace, field=_field(body.field), limit=body.limit, score_filter=key
    )
    if run is None:
        raise HttpError(409, "a theme discovery is already running for this workspace")
    run.refresh_from_db()  # done already when runs are inline (tests)
    return Status(202, _run_out(run, with_themes=run.status == "done"))


@router.post("/recode", response={200: RecodeOut, **ERRORS})
def recode(request: HttpRequest):
    """Re-code the texts analysed before people's latest verdicts on reason codes: a rejected
    code goes from every text with the same evidence, a corrected one becomes the chosen code.
    ``changed`` texts were rewritten; running it again returns ``changed`` 0."""
    _writer(request)
    result = texts_recode(workspace=request.workspace)
    return {"examined": result.examined, "changed": result.changed, "verdicts": result.verdicts}
