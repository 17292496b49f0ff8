"""The one-page leadership report: what loyalty is worth, what is at risk and where, what
the initiatives brought, and the three things to change first.

Pure assembly: it takes the money report (:func:`cxray.analytics.reports.money_report`),
the NPS drivers (:func:`cxray.analytics.reports.drivers_report`) and the measured
initiatives (:mod:`cxray.analytics.did`) and ranks; the web layer renders it (HTML, PDF).

Ranking rule for "change first": priority = value at risk at a touchpoint × that
touchpoint's share of the explained variance of NPS (its Shapley driver share). Value at
risk says how much money the customers with a low latest score there are expected to take
away; the driver share says how much the experience there moves the relationship score, so
fixing it is likely to keep that money. Touchpoints without a driver share (too few answers
for the driver analysis) rank after those with one, by value at risk; without any driver
analysis the ranking is by value at risk alone (``rule`` says which was used). What each is
worth is its value at risk with its interval: the most that fixing it can keep.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from cxray.analytics.reports import _json_ready

if TYPE_CHECKING:
    from cxray.analytics.did import InitiativeEffect
    from cxray.analytics.drivers import DriverResult
    from cxray.analytics.reports import MoneyReport

TOP_ROWS = 5
RULE_RISK_X_IMPORTANCE = "risk_x_importance"
RULE_RISK_ONLY = "risk_only"


@dataclass(frozen=True)
class Priority:
    touchpoint: str  # code
    name: str
    value_at_risk: float
    low: float
    high: float
    n: int
    importance: float  # driver share of explained NPS variance, percent; NaN if unknown
    priority: float  # value_at_risk × importance / 100 (or value_at_risk under risk_only)


@dataclass(frozen=True)
class InitiativeLine:
    id: int
    title: str
    status: str
    outcome: str
    expected: float | None  # money per year, typed in by a person
    effect: InitiativeEffect | None  # measured; None with ``note`` saying why
    note: str = ""

    @property
    def measured(self) -> float | None:
        if self.effect is None or math.isnan(self.effect.did.money):
            return None
        return self.effect.did.money


@dataclass(frozen=True)
class LeadershipReport:
    as_of: date
    currency: str
    by_loyalty: list[dict[str, Any]]
    promoter_minus_detractor: dict[str, Any] | None
    at_risk_by_touchpoint: list[dict[str, Any]]  # top rows, with "name"
    at_risk_by_segment: list[dict[str, Any]]
    total_at_risk: float | None
    initiatives: list[InitiativeLine]
    priorities: list[Priority]
    rule: str
    missing: dict[str, str] = field(default_factory=dict)  # section -> why it is empty

    @property
    def measured_total(self) -> float | None:
        values = [i.measured for i in self.initiatives if i.measured is not None]
        return sum(values) if values else None

    def as_dict(self) -> dict[str, Any]:
        return _json_ready(
            {
                "as_of": self.as_of,
                "currency": self.currency,
                "by_loyalty": self.by_loyalty,
                "promoter_minus_detractor": self.promoter_minus_detractor,
                "value_at_risk_by_touchpoint": self.at_risk_by_touchpoint,
                "value_at_risk_by_segment": self.at_risk_by_segment,
                "total_value_at_risk": self.total_at_risk,
                "initiatives": [
                    {
                        "id": i.id,
                        "title": i.title,
                        "status": i.status,
                        "outcome": i.outcome,
                        "expected_per_year": i.expected,
                        "measured_per_year": i.measured,
                        "measured": i.effect.as_dict() if i.effect else None,
                        "note": i.note or None,
                    }
                    for i in self.initiatives
                ],
                "measured_total_per_year": self.measured_total,
                "change_first": [asdict(p) for p in self.priorities],
                "ranking_rule": self.rule,
                "missing": self.missing,
            }
        )


def rank_priorities(
    at_risk_by_touchpoint: list[dict[str, Any]],
    drivers: DriverResult | None,
    *,
    names: dict[str, str] | None = None,
    k: int = 3,
) -> tuple[list[Priority], str]:
    """The ``k`` touchpoints to change first and the rule used (see the module docstring).

    A touchpoint surveyed with two metrics appears once, with its larger value at risk.
    """
    names = names or {}
    best: dict[str, dict[str, Any]] = {}
    for row in at_risk_by_touchpoint:
        code = str(row["touchpoint_id"])
        v = row.get("value_at_risk")
        if v is None or (isinstance(v, float) and math.isnan(v)) or v <= 0:
            continue
        if code not in best or v > best[code]["value_at_risk"]:
            best[code] = row
    shares = {w.driver: w.share for w in drivers.weights} if drivers is not None else {}
    rule = RULE_RISK_X_IMPORTANCE if shares else RULE_RISK_ONLY
    items = []
    for code, row in best.items():
        share = float(shares.get(code, math.nan))
        var = float(row["value_at_risk"])
        score = var if rule == RULE_RISK_ONLY else (var * share / 100 if share == share else 0.0)
        items.append(
            Priority(
                touchpoint=code,
                name=names.get(code, code),
                value_at_risk=var,
                low=_f(row.get("low")),
                high=_f(row.get("high")),
                n=int(row.get("n") or 0),
                importance=share,
                priority=score,
            )
        )
    # With driver shares: those with a share first by priority, the others after by risk.
    items.sort(key=lambda p: (p.importance != p.importance, -p.priority, -p.value_at_risk))
    return items[:k], rule


def _f(v: Any) -> float:
    return math.nan if v is None else float(v)


def leadership_report(
    *,
    as_of: date,
    currency: str,
    money: MoneyReport | None,
    drivers: DriverResult | None,
    initiatives: list[InitiativeLine],
    touchpoint_names: dict[str, str] | None = None,
    missing: dict[str, str] | None = None,
) -> LeadershipReport:
    names = touchpoint_names or {}
    missing = dict(missing or {})
    if money is None:
        by_loyalty: list[dict[str, Any]] = []
        pmd = None
        tp_rows: list[dict[str, Any]] = []
        seg_rows: list[dict[str, Any]] = []
        total = None
    else:
        data = money.as_dict()
        by_loyalty = data["by_loyalty"]
        pmd = data["promoter_minus_detractor"]
        tp_rows = [
            {**r, "name": names.get(str(r["touchpoint_id"]), str(r["touchpoint_id"]))}
            for r in data["value_at_risk_by_touchpoint"]
        ]
        seg_rows = data["value_at_risk_by_segment"]
        total = sum(float(r["value_at_risk"] or 0) for r in seg_rows)
    priorities, rule = rank_priorities(tp_rows, drivers, names=names)
    if money is not None and not priorities:
        missing.setdefault("priorities", "no touchpoint has customers with a low latest score")
    return LeadershipReport(
        as_of=as_of,
        currency=currency,
        by_loyalty=by_loyalty,
        promoter_minus_detractor=pmd,
        at_risk_by_touchpoint=tp_rows[:TOP_ROWS],
        at_risk_by_segment=seg_rows[:TOP_ROWS],
        total_at_risk=total,
        initiatives=initiatives,
        priorities=priorities,
        rule=rule,
        missing=missing,
    )
