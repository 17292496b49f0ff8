"""Internal NPS between departments: each department is the internal customer of those it
depends on (seed 000; domain point 8).

A response with metric ``internal_nps`` is a rating *by* the respondent's unit *of* the unit
in ``unit_id``. The matrix is computed from protected cells only
(:func:`cxray.analytics.anonymity.protect_answers`): the rater side of every cell is a group
of at least the minimum size, pooled up the org chart where a department is too small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cxray.analytics.results import Score
from cxray.analytics.scores import score_by


@dataclass(frozen=True, slots=True)
class InternalCell:
    rater_unit_id: str  # the (possibly pooled) unit of the raters
    rated_unit_id: str
    score: Score
    pooled: bool  # the raters include small departments pooled into this unit

    def as_dict(self) -> dict[str, Any]:
        return {"rater_unit_id": self.rater_unit_id, "rated_unit_id": self.rated_unit_id,
                "pooled": self.pooled, **self.score.as_dict()}  # fmt: skip


@dataclass(frozen=True)
class InternalMatrix:
    """Cells of the rater x rated matrix, the internal NPS each rated unit receives overall,
    and the seams: the cells with the lowest scores (worst internal service first)."""

    cells: list[InternalCell]
    raters: list[str]
    rated: list[str]
    received: dict[str, Score]
    seams: list[InternalCell] = field(default_factory=list)
    min_group: int = 5

    def cell(self, rater: str, rated: str) -> InternalCell | None:
        for c in self.cells:
            if c.rater_unit_id == rater and c.rated_unit_id == rated:
                return c
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "min_group": self.min_group,
            "raters": self.raters,
            "rated": self.rated,
            "cells": [c.as_dict() for c in self.cells],
            "received": {k: s.as_dict() for k, s in self.received.items()},
            "seams": [c.as_dict() for c in self.seams],
        }


def internal_matrix(
    cells: pd.DataFrame, *, min_group: int = 5, min_n: int = 30, seams: int = 5
) -> InternalMatrix:
    """The matrix from protected rows (``cell_unit_id`` = raters, ``unit_id`` = rated).

    A department rating itself is left out (internal service is between departments).
    Seams: the ``seams`` lowest cells by NPS, ties broken by the upper interval bound.
    """
    rows = cells[(cells["metric"] == "internal_nps") & cells["unit_id"].notna()]
    rows = rows[rows["cell_unit_id"].fillna("") != rows["unit_id"]]
    if rows.empty:
        return InternalMatrix([], [], [], {}, [], min_group)
    rows = rows.assign(rater=rows["cell_unit_id"].fillna(""), rated=rows["unit_id"])
    pooled = rows.groupby(["rater", "rated"])["pooled"].any().to_dict()
    by_pair = score_by("internal_nps", rows[["metric", "score", "rater", "rated"]],
                       ["rater", "rated"], min_n=min_n)  # fmt: skip
    out = [
        InternalCell(str(r), str(d), s, bool(pooled.get((r, d), False)))
        for (r, d), s in by_pair.items()
    ]
    received = score_by("internal_nps", rows[["metric", "score", "rated"]], "rated", min_n=min_n)
    worst = sorted(
        (c for c in out if not math.isnan(c.score.value)),
        key=lambda c: (c.score.value, c.score.high),
    )[:seams]
    return InternalMatrix(
        cells=out,
        raters=sorted({c.rater_unit_id for c in out}),
        rated=sorted({c.rated_unit_id for c in out}),
        received={str(k): v for k, v in received.items()},
        seams=worst,
        min_group=min_group,
    )
