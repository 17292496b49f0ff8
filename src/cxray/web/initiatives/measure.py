"""The measured effect of an initiative (difference in differences), read from the store.

The comparison group is every unit not treated, so the figure is computed over the whole
workspace whatever the viewer's scope; it shows only aggregates (no answer or customer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from cxray.analytics.did import InitiativeEffect, measure_initiative
from cxray.errors import CxrayError
from cxray.web.accounts.scope import unit_subtree_codes
from cxray.web.analytics_store import analytics
from cxray.web.initiatives.models import Initiative


@dataclass(frozen=True)
class Measured:
    effect: InitiativeEffect | None
    reason: str  # why there is no effect, for the page; "" when there is one


def treated_codes(initiative: Initiative) -> frozenset[str] | None:
    """The treated units and every unit below them; None when no unit is treated."""
    units = list(initiative.treated_units.all())
    if not units:
        return None
    codes: set[str] = set()
    for u in units:
        codes |= unit_subtree_codes(u)
    return frozenset(codes)


def initiative_effect(*, initiative: Initiative, as_of: date) -> Measured:
    if initiative.started is None:
        return Measured(None, _("Set a start date to measure the effect."))
    units = treated_codes(initiative)
    segment = initiative.treated_segment or None
    if units is None and segment is None:
        return Measured(
            None, _("Choose the units (or the customer segment) where the change is made.")
        )
    try:
        with analytics() as store:
            effect = measure_initiative(
                store,
                initiative.workspace.slug,
                outcome=initiative.outcome,
                started=initiative.started,
                as_of=as_of,
                treated_units=units,
                treated_segment=None if units is not None else segment,
                churn_lag_days=initiative.workspace.churn_lag_days,
            )
    except CxrayError as exc:
        return Measured(None, str(exc))
    return Measured(effect, "")
