from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import ConfigDict


class StrictIn(Schema):
    model_config = ConfigDict(strict=True, extra="forbid")


class ErrorOut(Schema):
    detail: str


class WorkspaceOut(Schema):
    slug: str
    name: str
    currency: str
    language: str
    role: str


class UnitIn(StrictIn):
    code: str
    name: str
    kind: str
    parent: str | None = None


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None


class EmployeeIn(StrictIn):
    code: str
    name: str
    unit: str
    position: str = ""
    hired: date | None = None
    left: date | None = None


class EmployeeOut(Schema):
    code: str
    name: str
    unit: str
    position: str
    hired: date | None
    left: date | None


class TouchpointIn(StrictIn):
    code: str
    name: str
    journey: str = ""
    stage: str = ""
    channel: str = ""
    owner_unit: str | None = None


class TouchpointOut(Schema):
    code: str
    name: str
    journey: str
    stage: str
    channel: str
    owner_unit: str | None


class RowErrorOut(Schema):
    row: int | None = None
    column: str | None = None
    value: str | None = None
    message: str


class ImportOut(Schema):
    id: int
    kind: str
    file_name: str
    status: str
    n_rows: int
    stored: int
    unchanged: int
    skipped: dict[str, int]
    warnings: list[str]
    errors: list[RowErrorOut]
    column_map: dict[str, str]
    created_at: datetime
    # Set when the import was asked to open cases: days, checked, opened, joined.
    cases: dict[str, int] | None = None


class ScoreOut(Schema):
    value: float | None
    low: float | None
    high: float | None
    n: int
    reliable: bool


class GroupScoreOut(ScoreOut):
    group: str | None


class PeriodOut(Schema):
    start: date
    end: date  # included


class ScoreChangeRowOut(Schema):
    group: str | None
    before: ScoreOut
    after: ScoreOut
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None
    significant: bool
    reliable: bool  # both periods have at least min_n answers
    min_n: int


class ScoreChangeOut(Schema):
    metric: str
    by: str | None
    before: PeriodOut
    after: PeriodOut
    alpha: float
    rows: list[ScoreChangeRowOut]


class HeadlineOut(Schema):
    as_of: date
    nps: ScoreOut
    customers: int
    revenue_12m: float
    churn_rate_12m: ScoreOut
    churn_basis: str


class ImportRejectedOut(Schema):
    detail: str
    import_run: ImportOut
