"""How customers are grouped in the churn, lifetime-value and money reports.

The reports break their figures down by the customers' ``segment``. A CX team often wants
another cut of the same customers: the cohort they joined in (did the customers won during
last year's promotion leave faster?) or any column their customer file carried (region,
plan, clinic). :class:`GroupedSource` shows the reports a customers table whose ``segment``
holds the chosen group, so every breakdown of those reports follows it unchanged.

Groupings:

- ``segment``: the customers' own segment (the default);
- ``cohort``: the quarter of the first-seen date, e.g. ``2024-Q1``;
- ``cohort_year``: the year of the first-seen date;
- any other name: that column of the imported customer file (kept in ``attributes``).

A customer without a value is in the group ``—``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

import ibis

from cxray.errors import InvalidInputError

BUILT_IN = ("segment", "cohort", "cohort_year")
MISSING = "—"
_NAME = re.compile(r"^[\w .\-]{1,64}$")


class Source(Protocol):
    def table(self, name: str, workspace: str) -> ibis.Table: ...


def check_grouping(by: str) -> str:
    """``by`` stripped, or a clear error when it cannot name a grouping."""
    name = (by or "segment").strip()
    if not _NAME.match(name):
        raise InvalidInputError(
            f"cannot group customers by {by!r}: use segment, cohort, cohort_year or the name "
            "of a column of the customer file (letters, digits, spaces, dots, dashes)"
        )
    return name


def group_label(customers: ibis.Table, by: str) -> ibis.Value:
    """Each customer's group under ``by`` as a string, :data:`MISSING` where unknown."""
    if by == "segment":
        label = customers.segment
    elif by == "cohort":
        day = customers.first_seen
        label = day.year().cast("string") + "-Q" + day.quarter().cast("string")
    elif by == "cohort_year":
        label = customers.first_seen.year().cast("string")
    else:
        label = customers.attributes.cast("json")[by].unwrap_as("string")
    return label.fill_null(MISSING)


def attribute_names(customers: ibis.Table, limit: int = 5000) -> list[str]:
    """The columns of the customer file kept as attributes (read from up to ``limit``
    customers: a column no customer in the sample has is rare enough to type by hand)."""
    rows = customers.filter(customers.attributes.notnull()).select("attributes").limit(limit)
    names: set[str] = set()
    for text in rows.attributes.to_pyarrow().to_pylist():
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict):
            names.update(str(k) for k in value)
    return sorted(names)


class GroupedSource:
    """``source`` with each customer's ``segment`` replaced by their group under ``by``."""

    def __init__(self, source: Source, by: str) -> None:
        self.source = source
        self.by = by

    def __getattr__(self, name: str) -> Any:
        return getattr(self.source, name)

    def table(self, name: str, workspace: str) -> ibis.Table:
        t = self.source.table(name, workspace)
        if name != "customers" or self.by == "segment":
            return t
        return t.mutate(segment=group_label(t, self.by))

    def check(self, workspace: str) -> None:
        """Raise when ``by`` is a column no customer has, naming the columns there are."""
        if self.by in BUILT_IN:
            return
        known = attribute_names(self.source.table("customers", workspace))
        if self.by not in known:
            raise InvalidInputError(
                f"no customer has a column {self.by!r}; group by segment, cohort, cohort_year"
                + (" or one of: " + ", ".join(known) if known else "")
            )
