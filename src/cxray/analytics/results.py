"""Result objects: every figure a user sees travels with its interval and the n behind it.

They are plain frozen dataclasses so that the web app, the CLI (``--json``) and notebooks can
all show the same thing; :meth:`Score.as_dict` gives a JSON-ready form.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from cxray.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class Score:
    """One score with its 95% interval (by default) and its n.

    ``value`` is in the unit a user reads: NPS in points (-100..100), CSAT and other shares in
    percent (0..100), CES as the mean answer on its 1-7 scale. A score on fewer than ``min_n``
    answers is still computed and returned, but :attr:`reliable` is ``False`` so the screen
    can grey it out instead of hiding it.

    ``top``/``middle``/``bottom`` count the answers behind the figure, for display:

    ===============  ==================  =============  =====================
    metric           top                 middle         bottom
    ===============  ==================  =============  =====================
    nps, enps        promoters (9-10)    passives (7-8)  detractors (0-6)
    csat             satisfied (4-5)     neutral (3)    dissatisfied (1-2)
    ces              low effort (5-7)    neutral (4)    high effort (1-3)
    share, churn     yes                 0              no
    ===============  ==================  =============  =====================
    """

    value: float
    low: float
    high: float
    n: int
    metric: str
    min_n: int = 30
    top: int = 0
    middle: int = 0
    bottom: int = 0
    std_error: float = math.nan  # in the unit of ``value``
    confidence: float = 0.95

    @property
    def reliable(self) -> bool:
        """Whether the figure rests on at least ``min_n`` answers."""
        return self.n >= self.min_n

    @property
    def promoters(self) -> int:
        return self.top

    @property
    def passives(self) -> int:
        return self.middle

    @property
    def detractors(self) -> int:
        return self.bottom

    @property
    def top_share(self) -> float:
        """Share of ``top`` answers in percent (for CES: the share of low-effort answers)."""
        return 100.0 * self.top / self.n if self.n else math.nan

    @property
    def bottom_share(self) -> float:
        return 100.0 * self.bottom / self.n if self.n else math.nan

    def as_dict(self) -> dict[str, Any]:
        """The fields plus ``reliable``; NaN becomes ``None`` so the result is valid JSON."""
        out = {k: _json_number(v) for k, v in asdict(self).items()}
        out["reliable"] = self.reliable
        return out


@dataclass(frozen=True, slots=True)
class ScoreChange:
    """The change of a score from one period (``before``) to the next (``after``).

    ``difference`` is ``after.value - before.value`` in the unit of the score, with its
    interval ``low``..``high``; ``p_value`` comes from a two-sided test of "no change", and
    ``significant`` is ``p_value < alpha``.
    """

    metric: str
    before: Score
    after: Score
    difference: float
    low: float
    high: float
    p_value: float
    significant: bool
    alpha: float = 0.05

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
            "difference": _json_number(self.difference),
            "low": _json_number(self.low),
            "high": _json_number(self.high),
            "p_value": _json_number(self.p_value),
            "significant": self.significant,
            "alpha": self.alpha,
        }


@dataclass(frozen=True, slots=True)
class Headline:
    """The figures of the home page for one workspace, over ``start`` < day <= ``as_of``.

    ``churn`` is a :class:`Score` with ``metric="churn"``: the percentage of the customers
    at risk (``n``) who churned (``top``). ``churn_basis`` says which figure it is:
    ``"12 months"`` (the window; ``f"{months} months"`` in general) when churn dates
    are known, ``"all time"`` when the data only says *whether* a customer churned.
    """

    workspace: str
    as_of: date
    start: date
    months: int
    nps: Score
    nps_change: ScoreChange
    customers: int
    active_customers: int
    revenue: float
    transactions: int
    churn: Score
    churn_basis: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "workspace": self.workspace,
            "as_of": self.as_of.isoformat(),
            "start": self.start.isoformat(),
            "months": self.months,
            "nps": self.nps.as_dict(),
            "nps_change": self.nps_change.as_dict(),
            "customers": self.customers,
            "active_customers": self.active_customers,
            "revenue": _json_number(self.revenue),
            "transactions": self.transactions,
            "churn": self.churn.as_dict(),
            "churn_basis": self.churn_basis,
        }


def to_frame(scores: Mapping[Any, Score], *, key: str | list[str] = "group") -> pd.DataFrame:
    """A breakdown (group -> Score, as from ``score_by``) as one row per group, for display.

    ``key`` names the group column(s); tuple keys are spread over several columns.
    """
    import pandas as pd  # only here: results must stay importable without pandas loaded

    keys = [key] if isinstance(key, str) else list(key)
    rows = []
    for group, score in scores.items():
        parts = group if isinstance(group, tuple) else (group,)
        if len(parts) != len(keys):
            raise InvalidInputError(
                f"group {group!r} has {len(parts)} part(s) but key names {keys}; "
                "pass one name per grouping column"
            )
        rows.append({**dict(zip(keys, parts, strict=True)), **score.as_dict()})
    return pd.DataFrame(rows)


def _json_number(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    return v
