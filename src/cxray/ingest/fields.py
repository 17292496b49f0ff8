"""What each import kind reads: its canonical fields, their types and which are required.

The field names are the canonical column names of the target table (see
:mod:`cxray.analytics.schema`), plus a few *helper* fields (``unit_price``, ``status``) that
are read to compute or clean a canonical column and are not stored themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldType = Literal["text", "timestamp", "date", "number", "bool", "score", "metric"]


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType = "text"
    required: bool = False
    stored: bool = True  # False for helper fields that only feed other columns


KINDS: tuple[str, ...] = ("customers", "transactions", "interactions", "feedback", "employees")

# The canonical table each kind is stored in.
TARGET_TABLE: dict[str, str] = {
    "customers": "customers",
    "transactions": "transactions",
    "interactions": "interactions",
    "feedback": "responses",
    "employees": "employees",
}

# Order matters: when one header could serve two fields, the field listed first takes it.
FIELDS: dict[str, tuple[Field, ...]] = {
    "customers": (
        Field("customer_id", required=True),
        Field("name"),
        Field("email"),
        Field("phone"),
        Field("segment"),
        Field("first_seen", "date"),
        Field("churned", "bool"),
        Field("churned_at", "date"),
    ),
    "transactions": (
        Field("customer_id", required=True),
        Field("at", "timestamp", required=True),
        Field("transaction_id"),
        Field("amount", "number"),
        Field("quantity", "number"),
        Field("unit_price", "number", stored=False),
        Field("status", stored=False),
        Field("product"),
        Field("unit_id"),
        Field("employee_id"),
    ),
    "interactions": (
        Field("customer_id", required=True),
        Field("at", "timestamp", required=True),
        Field("touchpoint_id"),
        Field("channel"),
        Field("employee_id"),
        Field("unit_id"),
    ),
    "feedback": (
        Field("score", "score", required=True),
        Field("at", "timestamp"),
        Field("metric", "metric"),
        Field("response_id"),
        Field("customer_id"),
        Field("respondent_employee_id"),
        Field("survey_id"),
        Field("touchpoint_id"),
        Field("employee_id"),
        Field("unit_id"),
        Field("comment"),
        Field("follow_up"),
        Field("language"),
        Field("channel"),
    ),
    "employees": (
        Field("employee_id", required=True),
        Field("name"),
        Field("unit_id"),
        Field("position"),
        Field("hired", "date"),
        Field("left", "date"),
    ),
}


def field_names(kind: str) -> list[str]:
    return [f.name for f in FIELDS[kind]]
