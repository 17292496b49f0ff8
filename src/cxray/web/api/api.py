"""The REST API, /api/v1/: one workspace per token; its OpenAPI document is /api/v1/openapi.json."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from django.db import IntegrityError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, NinjaAPI, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from cxray.analytics.results import Score
from cxray.errors import CxrayError, InsufficientDataError, InvalidInputError
from cxray.ingest import ImportRejected
from cxray.web.accounts.scope import can_import, can_manage
from cxray.web.api.auth import WorkspaceToken
from cxray.web.api.schemas import (
    EmployeeIn,
    EmployeeOut,
    ErrorOut,
    GroupScoreOut,
    HeadlineOut,
    ImportOut,
    ImportRejectedOut,
    ScoreChangeOut,
    TouchpointIn,
    TouchpointOut,
    UnitIn,
    UnitOut,
    WorkspaceOut,
)
from cxray.web.audit.api import router as audit_router
from cxray.web.cases.api import router as cases_router
from cxray.web.cases.imported import import_case_check
from cxray.web.dashboards import behaviour
from cxray.web.dashboards.selectors import (
    home_headline,
    own_scale_rows,
    parse_day,
    score_change_dict,
    score_report,
)
from cxray.web.imports.models import ImportKind, ImportRun
from cxray.web.imports.selectors import import_run_get, import_run_list
from cxray.web.imports.services import import_run
from cxray.web.initiatives.api import router as initiatives_router
from cxray.web.journeys.api import router as journeys_router
from cxray.web.journeys.models import Touchpoint
from cxray.web.journeys.services import touchpoint_upsert
from cxray.web.people.api import router as people_router
from cxray.web.people.models import Unit
from cxray.web.people.selectors import employee_list, unit_list
from cxray.web.people.services import employees_upsert, unit_create
from cxray.web.privacy.api import router as customers_router
from cxray.web.reports.api import kpi_router, leadership_router
from cxray.web.research.api import router as research_router
from cxray.web.surveys.api import router as surveys_router
from cxray.web.themes.api import router as themes_router

api = NinjaAPI(
    title="cxray API",
    version="1",
    description="Customer-experience data of one workspace. Authenticate with "
    "`Authorization: Bearer <token>`; create a token with `cxray token create`.",
    auth=WorkspaceToken(),
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api-v1",
)
router = Router()
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@api.exception_handler(InsufficientDataError)
def _insufficient(request: HttpRequest, exc: InsufficientDataError):
    return api.create_response(request, {"detail": str(exc)}, status=422)


@api.exception_handler(InvalidInputError)
def _invalid(request: HttpRequest, exc: InvalidInputError):
    return api.create_response(request, {"detail": str(exc)}, status=400)


def _require(request: HttpRequest, allowed: bool) -> None:
    if not allowed:
        raise HttpError(403, f"the role {request.membership.role!r} may not do this")


def _score_out(s: Score) -> dict:
    d = s.as_dict()
    return {k: d.get(k) for k in ("value", "low", "high", "n", "reliable")}


@router.get("/workspace", response={200: WorkspaceOut, **ERRORS}, tags=["workspace"])
def workspace(request: HttpRequest):
    ws = request.workspace
    return {
        "slug": ws.slug,
        "name": ws.name,
        "currency": ws.currency,
        "language": ws.language,
        "role": request.membership.role,
    }


@router.get("/units", response={200: list[UnitOut], **ERRORS}, tags=["organisation"])
def units(request: HttpRequest):
    return [
        {
            "code": u.code,
            "name": u.name,
            "kind": u.kind,
            "parent": u.parent.code if u.parent else None,
        }
        for u in unit_list(workspace=request.workspace, scope=request.scope)
    ]


@router.post("/units", response={201: UnitOut, **ERRORS}, tags=["organisation"])
def unit_add(request: HttpRequest, body: UnitIn):
    _require(request, can_manage(request.membership))
    parent = None
    if body.parent:
        parent = Unit.objects.filter(workspace=request.workspace, code=body.parent).first()
        if parent is None:
            raise HttpError(400, f"parent unit {body.parent!r} does not exist in this workspace")
    u = unit_create(
        workspace=request.workspace, code=body.code, name=body.name, kind=body.kind, parent=parent
    )
    return 201, {
        "code": u.code,
        "name": u.name,
        "kind": u.kind,
        "parent": u.parent.code if u.parent else None,
    }


def _employee_out(e) -> dict:
    return {
        "code": e.code,
        "name": e.name,
        "unit": e.unit.code,
        "position": e.position,
        "hired": e.hired,
        "left": e.left,
    }


@router.get("/employees", response={200: list[EmployeeOut], **ERRORS}, tags=["organisation"])
def employees(request: HttpRequest):
    return [
        _employee_out(e) for e in employee_list(workspace=request.workspace, scope=request.scope)
    ]


@router.get("/employees/{code}", response={200: EmployeeOut, **ERRORS}, tags=["organisation"])
def employee(request: HttpRequest, code: str):
    e = employee_list(workspace=request.workspace, scope=request.scope).filter(code=code).first()
    if e is None:
        raise HttpError(404, "no such employee")
    return _employee_out(e)


@router.put("/employees/{code}", response={200: EmployeeOut, **ERRORS}, tags=["organisation"])
def employee_put(request: HttpRequest, code: str, body: EmployeeIn):
    _require(request, can_import(request.membership))
    if body.code != code:
        raise HttpError(400, "the code in the path and in the body differ")
    import pyarrow as pa

    row = {
        "employee_id": body.code,
        "name": body.name,
        "unit_id": body.unit,
        "position": body.position,
        "hired": body.hired,
        "left": body.left,
    }
    try:
        employees_upsert(workspace=request.workspace, rows=pa.Table.from_pylist([row]))
    except IntegrityError as exc:
        raise HttpError(400, f"cannot store the employee: {exc}") from exc
    return _employee_out(
        employee_list(workspace=request.workspace, scope=request.scope).get(code=code)
    )


def _touchpoint_out(t: Touchpoint) -> dict:
    return {
        "code": t.code,
        "name": t.name,
        "journey": t.journey,
        "stage": t.stage,
        "channel": t.channel,
        "owner_unit": t.owner_unit.code if t.owner_unit else None,
    }


@router.get("/touchpoints", response={200: list[TouchpointOut], **ERRORS}, tags=["organisation"])
def touchpoints(request: HttpRequest):
    qs = Touchpoint.objects.filter(workspace=request.workspace).select_related("owner_unit")
    return [_touchpoint_out(t) for t in qs]


@router.put("/touchpoints/{code}", response={200: TouchpointOut, **ERRORS}, tags=["organisation"])
def touchpoint_put(request: HttpRequest, code: str, body: TouchpointIn):
    _require(request, can_import(request.membership))
    owner = None
    if body.owner_unit:
        owner = Unit.objects.filter(workspace=request.workspace, code=body.owner_unit).first()
        if owner is None:
            raise HttpError(400, f"unit {body.owner_unit!r} does not exist in this workspace")
    t = touchpoint_upsert(
        workspace=request.workspace,
        code=code,
        name=body.name,
        journey=body.journey,
        stage=body.stage,
        channel=body.channel,
        owner_unit=owner,
    )
    return _touchpoint_out(t)


def _import_out(run: ImportRun) -> dict:
    return {
        "id": run.pk,
        "kind": run.kind,
        "file_name": run.file_name,
        "status": run.status,
        "n_rows": run.n_rows,
        "stored": run.stored,
        "unchanged": run.unchanged,
        "skipped": run.skipped,
        "warnings": run.warnings,
        "errors": [
            {**e, "value": None if e.get("value") is None else str(e["value"])} for e in run.errors
        ],
        "column_map": run.column_map,
        "created_at": run.created_at,
        "cases": import_case_check(import_run=run),
    }


@router.get("/imports", response={200: list[ImportOut], **ERRORS}, tags=["import"])
def imports(request: HttpRequest):
    _require(request, can_import(request.membership))
    return [_import_out(r) for r in import_run_list(workspace=request.workspace)[:200]]


@router.get("/imports/{int:pk}", response={200: ImportOut, **ERRORS}, tags=["import"])
def import_detail(request: HttpRequest, pk: int):
    _require(request, can_import(request.membership))
    return _import_out(import_run_get(workspace=request.workspace, pk=pk))


@router.post(
    "/imports/{kind}", response={201: ImportOut, **ERRORS, 422: ImportRejectedOut}, tags=["import"]
)
def import_upload(
    request: HttpRequest,
    kind: ImportKind,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    date_order: Form[str] = "",
    mapping: Form[str] = "",
    open_cases_days: Form[int | None] = None,
):
    """Import a CSV, XLSX or JSON file. ``mapping`` is a JSON object: field → column header.

    ``open_cases_days`` (feedback): the low answers and negative comments of the last N days
    open cases as live answers do; ``cases`` in the answer says how many.

    A file with any bad row is rejected whole (422, every error listed) and nothing is stored.
    """
    _require(request, can_import(request.membership))
    try:
        column_map = json.loads(mapping) if mapping else None
    except json.JSONDecodeError as exc:
        raise HttpError(400, f"mapping is not valid JSON: {exc}") from exc
    suffix = "".join(Path(file.name or "upload.csv").suffixes[-2:])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        with path.open("wb") as f:
            for chunk in file.chunks():
                f.write(chunk)
        try:
            run = import_run(
                workspace=request.workspace,
                kind=kind.value,
                path=path,
                file_name=file.name,
                user=request.user,
                mapping=column_map,
                date_order=date_order or None,
                dry_run=dry_run,
                open_cases_days=open_cases_days,
            )
        except ImportRejected as exc:
            rejected = import_run_list(workspace=request.workspace).first()
            return Status(422, {"detail": str(exc), "import_run": _import_out(rejected)})
        except CxrayError as exc:
            raise HttpError(400, str(exc)) from exc
    return Status(201, _import_out(run))


@router.get("/reports/headline", response={200: HeadlineOut, **ERRORS}, tags=["reports"])
def report_headline(request: HttpRequest):
    h = home_headline(workspace=request.workspace, scope=request.scope, as_of=timezone.localdate())
    return {
        "as_of": h.as_of,
        "nps": _score_out(h.nps),
        "customers": h.customers,
        "revenue_12m": h.revenue,
        "churn_rate_12m": _score_out(h.churn),
        "churn_basis": h.churn_basis,
    }


class CustomerFilters(Schema):
    """The customers a churn, CLV or money report covers (empty: all the token may see)."""

    segment: str = ""
    unit: str = ""
    first_seen_from: str = ""
    first_seen_to: str = ""
    by: str = Field(
        "segment",
        description="What the tables by segment group on: segment, cohort (first-seen "
        "quarter), cohort_year, or a column of the customer file such as region.",
    )


@router.get("/reports/churn", response={200: dict, **ERRORS}, tags=["reports"])
def report_churn(
    request: HttpRequest,
    customers: Query[CustomerFilters],
):
    """Churn share and survival at 90/180/365 days by segment, whether the score predicts
    churn, and the share of loyal-looking churners (promoters within 90 days before leaving).
    Optional filters: ``segment``, ``unit`` (a unit code: its customers and those of the
    units below it), ``first_seen_from``/``first_seen_to`` (YYYY-MM-DD, a cohort by first
    visit). No matching customer gives ``customers: 0`` and a ``note`` saying why."""
    filters = behaviour.ChurnFilters.parse(customers.model_dump())
    try:
        r = behaviour.churn(
            workspace=request.workspace,
            scope=request.scope,
            as_of=timezone.localdate(),
            filters=filters,
        )
    except behaviour.NoMatchingCustomers as exc:
        return behaviour.churn_none_dict(exc, filters)
    return behaviour.churn_as_dict(r, filters)


@router.get("/reports/clv", response={200: dict, **ERRORS}, tags=["reports"])
def report_clv(
    request: HttpRequest,
    customers: Query[CustomerFilters],
    months: Query[int] = 12,
    per_customer: Query[bool] = False,
):
    """Customer lifetime value by segment over the next ``months`` (BG/NBD + Gamma-Gamma);
    ``per_customer=true`` adds each customer's probability alive, expected purchases and
    value. The filters of ``/reports/churn`` choose the customers shown; the model is fitted
    on all the customers the token may see. No matching customer gives ``customers: 0`` and
    a ``note`` saying why."""
    filters = behaviour.ChurnFilters.parse(customers.model_dump())
    try:
        clv, _ = behaviour.clv_and_money(
            workspace=request.workspace,
            scope=request.scope,
            as_of=timezone.localdate(),
            months=months,
            filters=filters,
        )
    except behaviour.NoMatchingCustomers as exc:
        return behaviour.clv_none_dict(exc, filters, months)
    return behaviour.clv_as_dict(clv, filters, per_customer=per_customer)


@router.get("/reports/money", response={200: dict, **ERRORS}, tags=["reports"])
def report_money(
    request: HttpRequest,
    customers: Query[CustomerFilters],
):
    """Revenue and CLV by loyalty group; value at risk by touchpoint and segment. Takes the
    filters of ``/reports/churn``; no matching customer gives ``customers: 0`` and a
    ``note`` saying why."""
    filters = behaviour.ChurnFilters.parse(customers.model_dump())
    try:
        clv, money = behaviour.clv_and_money(
            workspace=request.workspace,
            scope=request.scope,
            as_of=timezone.localdate(),
            filters=filters,
        )
    except behaviour.NoMatchingCustomers as exc:
        return behaviour.money_none_dict(exc, filters)
    return behaviour.money_as_dict(money, clv, filters)


@router.get("/reports/drivers", response={200: dict, **ERRORS}, tags=["reports"])
def report_drivers(
    request: HttpRequest,
    outcome: Query[str] = "nps",
    method: Query[str] = "shapley",
    segment: Query[str] = "",
    by: Query[str] = "",
):
    """Driver weights with intervals: of the touchpoints for NPS or for churn, or of the
    comment themes for NPS (``outcome=themes``); ``method=shapley`` (default) or
    ``relative_weights`` (Johnson 2000; logistic for churn). ``method`` and ``model`` in the
    answer say which was used; the weights sum to ``r2``. ``segment`` keeps one segment's
    customers; ``by=segment`` answers ``{"by": "segment", "groups": [...]}`` with each
    segment's weights (or a ``note`` where it has too little data)."""
    from cxray.analytics.drivers import METHODS

    if outcome not in ("nps", "churned", "themes"):
        raise HttpError(400, "outcome must be nps, churned or themes")
    if method not in METHODS:
        raise HttpError(400, f"method must be {' or '.join(METHODS)}, not {method!r}")
    if by not in ("", "segment"):
        raise HttpError(400, f"by must be segment, not {by!r}")
    if (segment or by) and outcome == "themes":
        raise HttpError(400, "segment and by go with outcome nps or churned")
    if by:
        groups = behaviour.drivers_by_segment(
            workspace=request.workspace, scope=request.scope, outcome=outcome, method=method
        )
        return json.loads(json.dumps({"by": by, "groups": groups}, default=float))
    if outcome == "themes":
        result = behaviour.theme_drivers(
            workspace=request.workspace, scope=request.scope, method=method
        )
    else:  # an unknown segment is a 422 that lists the segments there are
        result = behaviour.drivers(
            workspace=request.workspace,
            scope=request.scope,
            outcome=outcome,
            method=method,
            segment=segment or None,
        )
    return json.loads(json.dumps(result.as_dict(), default=float))


@router.get("/reports/text", response={200: dict, **ERRORS}, tags=["reports"])
def report_text(
    request: HttpRequest,
    language: Query[str] = "",
    segment: Query[str] = "",
    touchpoint: Query[str] = "",
):
    """Themes in comments and in "what must change" answers: mentions, share, share negative,
    the score of those who mention the theme against the others, monthly trend, quotes, and
    the "what must change" themes per segment and per touchpoint. Texts not analysed yet are
    counted in ``pending``."""
    from dataclasses import asdict

    from cxray.analytics.text_report import text_report
    from cxray.web.analytics_store import analytics
    from cxray.web.dashboards.selectors import ScopedStore

    with analytics() as store:
        report = text_report(
            ScopedStore(store, request.scope),
            request.workspace.slug,
            language=language or None,
            segment=segment or None,
            touchpoint=touchpoint or None,
        )
    return json.loads(json.dumps(asdict(report), default=str))


@router.get("/reports/own-scale", response={200: list[dict], **ERRORS}, tags=["reports"])
def report_own_scale(
    request: HttpRequest, metric: Query[str] = "nps", by: Query[str] = "touchpoint", days: int = 365
):
    """Each group's answers against the same respondents' answers elsewhere (a "5" means
    different things to different people): ``mean_deviation`` above 0 means people score this
    group higher than they usually score, with its 95% interval. ``by``: touchpoint, unit,
    employee or channel; ``days``: the last N days (0: every answer)."""
    try:
        return own_scale_rows(
            workspace=request.workspace, scope=request.scope, metric=metric, by=by, days=days
        )
    except InvalidInputError as exc:
        raise HttpError(400, str(exc)) from exc


# Before the catch-all /reports/{metric}, which would otherwise read "change" as a metric.
@router.get("/reports/change", response={200: ScoreChangeOut, **ERRORS}, tags=["reports"])
def report_change(
    request: HttpRequest,
    before_from: Query[str],
    before_to: Query[str],
    after_from: Query[str],
    after_to: Query[str],
    metric: Query[str] = "nps",
    by: Query[str] = "",
):
    """Did NPS, CSAT, CES or eNPS change between two periods you choose? Days are
    YYYY-MM-DD, both ends included; the before period must end before the after period
    starts. Per group (``by``: touchpoint, unit, employee, channel, language, segment or stage;
    empty: everyone): each period's score with its interval and n, the difference with its 95%
    interval, the two-sided p-value and ``significant`` (p < ``alpha``); ``reliable`` is false
    when a period has fewer answers than the minimum n."""
    before = (parse_day("before_from", before_from), parse_day("before_to", before_to))
    after = (parse_day("after_from", after_from), parse_day("after_to", after_to))
    return score_change_dict(
        workspace=request.workspace,
        scope=request.scope,
        metric=metric,
        before=before,
        after=after,
        by=by or None,
    )


@router.get("/reports/{metric}", response={200: list[GroupScoreOut], **ERRORS}, tags=["reports"])
def report_score(request: HttpRequest, metric: str, by: Query[str] = ""):
    """NPS, CSAT, CES or eNPS over all responses, or by day, week (from Monday), month,
    quarter, touchpoint, unit, employee, channel, language, segment or stage."""
    result = score_report(
        workspace=request.workspace, scope=request.scope, metric=metric, by=by or None
    )
    return [{"group": None if k is None else str(k), **_score_out(v)} for k, v in result.items()]


api.add_router("/", router)
api.add_router("/surveys", surveys_router)
api.add_router("/journeys", journeys_router)
api.add_router("/people", people_router)
api.add_router("/customers", customers_router)
api.add_router("/audit", audit_router)
api.add_router("/initiatives", initiatives_router)
api.add_router("/leadership-report", leadership_router)
api.add_router("/kpi", kpi_router)
api.add_router("/research", research_router)
api.add_router("/themes", themes_router)
api.add_router("/cases", cases_router)
