"""The canonical analytic tables: every analytic and every importer reads these names and types.

Each table carries ``workspace`` so that one store can hold several companies; every read
goes through :func:`cxray.analytics.store.AnalyticsStore.table`, which filters on it.
Fact tables carry ``row_key``, a hash of the row's content (plus its ordinal among identical
rows of one file), which makes re-importing the same file a no-op.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

# Metrics a response can carry, with their scale (low, high) by default.
METRIC_SCALES: dict[str, tuple[int, int]] = {
    "nps": (0, 10),
    "enps": (0, 10),
    "internal_nps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
    "custom": (0, 10),
}

TABLES: dict[str, ibis.Schema] = {
    "customers": ibis.schema(
        {
            "workspace": dt.string,
            "customer_id": dt.string,
            "name": dt.string,
            "email": dt.string,
            "phone": dt.string,
            "segment": dt.string,
            "first_seen": dt.date,
            "churned": dt.boolean,
            "churned_at": dt.date,
            "attributes": dt.string,  # JSON object of every other column the file had
        }
    ),
    "transactions": ibis.schema(
        {
            "workspace": dt.string,
            "row_key": dt.string,
            "transaction_id": dt.string,
            "customer_id": dt.string,
            "at": dt.timestamp,
            "amount": dt.float64,
            "quantity": dt.float64,
            "product": dt.string,
            "unit_id": dt.string,
            "employee_id": dt.string,
        }
    ),
    "interactions": ibis.schema(
        {
            "workspace": dt.string,
            "row_key": dt.string,
            "customer_id": dt.string,
            "at": dt.timestamp,
            "touchpoint_id": dt.string,
            "channel": dt.string,
            "employee_id": dt.string,
            "unit_id": dt.string,
        }
    ),
    "responses": ibis.schema(
        {
            "workspace": dt.string,
            "row_key": dt.string,
            "response_id": dt.string,
            "customer_id": dt.string,
            "respondent_employee_id": dt.string,  # set for eNPS / internal NPS
            "survey_id": dt.string,
            "touchpoint_id": dt.string,
            "employee_id": dt.string,  # the employee the response is about
            "unit_id": dt.string,
            "at": dt.timestamp,
            "metric": dt.string,  # one of METRIC_SCALES
            "score": dt.float64,
            "scale_max": dt.int16,
            "comment": dt.string,
            "follow_up": dt.string,  # "what must change for you to give the top score?"
            "language": dt.string,
            "channel": dt.string,
        }
    ),
    # One row per analysed comment or follow-up answer of a response (cxray.text results),
    # filled incrementally by cxray.analytics.text_fill; row_key = "<response row_key>:<field>".
    "response_texts": ibis.schema(
        {
            "workspace": dt.string,
            "row_key": dt.string,
            "response_key": dt.string,
            "field": dt.string,  # "comment" or "follow_up"
            "language": dt.string,
            "sentiment": dt.string,  # positive, neutral, negative
            "sentiment_score": dt.float64,
            "carriers": dt.string,  # the words that carried the sentiment, comma-separated
            "themes": dt.string,  # taxonomy theme ids, comma-separated
            "codes": dt.string,  # "scheme:code" items, comma-separated
            "masked": dt.string,  # the text with phones, emails and cards masked
        }
    ),
    # Customers' ratings of someone else for the same touchpoints: a competitor (by name) or
    # "best_anywhere", the best experience they had anywhere (seed 001, pitfall 8). Kept out
    # of ``responses`` so that no own score ever mixes them in; see cxray.analytics.competitors.
    "benchmark_ratings": ibis.schema(
        {
            "workspace": dt.string,
            "row_key": dt.string,
            "customer_id": dt.string,
            "at": dt.timestamp,
            "touchpoint_id": dt.string,
            "subject": dt.string,  # competitor name, "best_anywhere", or "own"
            "metric": dt.string,  # one of METRIC_SCALES
            "score": dt.float64,
        }
    ),
    # Entities mirrored from the app database so analytics can join on them.
    "units": ibis.schema(
        {
            "workspace": dt.string,
            "unit_id": dt.string,
            "name": dt.string,
            "parent_id": dt.string,
            "kind": dt.string,  # company, region, branch, department
        }
    ),
    "employees": ibis.schema(
        {
            "workspace": dt.string,
            "employee_id": dt.string,
            "name": dt.string,
            "unit_id": dt.string,
            "position": dt.string,
            "hired": dt.date,
            "left": dt.date,
        }
    ),
    "touchpoints": ibis.schema(
        {
            "workspace": dt.string,
            "touchpoint_id": dt.string,
            "name": dt.string,
            "journey_id": dt.string,
            "stage": dt.string,
            "channel": dt.string,
            "owner_unit_id": dt.string,
        }
    ),
}

FACT_TABLES = (
    "transactions",
    "interactions",
    "responses",
    "response_texts",
    "benchmark_ratings",
)
ENTITY_KEYS: dict[str, str] = {
    "customers": "customer_id",
    "units": "unit_id",
    "employees": "employee_id",
    "touchpoints": "touchpoint_id",
}


def columns(table: str) -> list[str]:
    return list(TABLES[table].names)
