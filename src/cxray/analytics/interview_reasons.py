"""Churn-interview reasons by segment: counts, shares with Wilson intervals, and quotes.

Input is one record per interview with its *confirmed* reasons (a person has checked them;
rule suggestions never reach this module). An interview can have several reasons, so the
shares of one segment do not add up to 100%: each is "the share of coded interviews that
name this reason". Interviews with no confirmed reason yet are reported as ``uncoded`` and
are not in ``n``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cxray.analytics.results import Score
from cxray.analytics.scores import proportion

ALL = "all"
# Interviews are few and deep: a share on fewer than 10 coded interviews is shown greyed.
MIN_N = 10


@dataclass(frozen=True, slots=True)
class ReasonShare:
    reason: str
    count: int
    share: Score  # percent of the segment's coded interviews, Wilson interval
    quotes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SegmentReasons:
    segment: str
    n: int  # coded interviews (at least one confirmed reason)
    uncoded: int
    reasons: tuple[ReasonShare, ...] = field(default_factory=tuple)


def reasons_by_segment(
    interviews: Iterable[Mapping[str, Any]],
    *,
    order: Sequence[str] = (),
    min_n: int = MIN_N,
    max_quotes: int = 3,
) -> list[SegmentReasons]:
    """Reasons per segment, the whole set first (segment ``"all"``), then segments by name.

    Each record: ``segment`` (str or None), ``reasons`` (confirmed reason codes) and
    optionally ``quotes`` (reason → list of quotes). Reasons come most frequent first, ties
    in ``order`` (the code list), then by name.
    """
    rows = list(interviews)
    groups: dict[str, list[Mapping[str, Any]]] = {ALL: rows}
    for r in rows:
        groups.setdefault(r.get("segment") or "—", []).append(r)
    rank = {code: i for i, code in enumerate(order)}
    out = []
    for segment in [ALL, *sorted(k for k in groups if k != ALL)]:
        members = groups[segment]
        coded = [r for r in members if set(r.get("reasons") or ())]
        counts: dict[str, int] = {}
        quotes: dict[str, list[str]] = {}
        for r in coded:
            for reason in set(r["reasons"]):
                counts[reason] = counts.get(reason, 0) + 1
                for q in (r.get("quotes") or {}).get(reason, ()):
                    if q and len(quotes.setdefault(reason, [])) < max_quotes:
                        quotes[reason].append(q)
        shares = tuple(
            ReasonShare(
                reason=reason,
                count=k,
                share=proportion(k, len(coded), metric=f"reason:{reason}", min_n=min_n),
                quotes=tuple(quotes.get(reason, ())),
            )
            for reason, k in sorted(
                counts.items(), key=lambda kv: (-kv[1], rank.get(kv[0], len(rank)), kv[0])
            )
        )
        out.append(SegmentReasons(segment, len(coded), len(members) - len(coded), shares))
    return out


def reasons_as_dict(report: Sequence[SegmentReasons]) -> list[dict[str, Any]]:
    """The JSON form shared by the CLI and the API."""
    return [
        {
            "segment": s.segment,
            "n": s.n,
            "uncoded": s.uncoded,
            "reasons": [
                {
                    "reason": r.reason,
                    "count": r.count,
                    "share": r.share.value,
                    "low": r.share.low,
                    "high": r.share.high,
                    "reliable": r.share.reliable,
                    "quotes": list(r.quotes),
                }
                for r in s.reasons
            ],
        }
        for s in report
    ]
