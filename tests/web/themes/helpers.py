"""Comments written into a test workspace's analytics store and analysed."""

from __future__ import annotations

from datetime import datetime, timedelta

from cxray.web.analytics_store import analytics
from cxray.web.dashboards.text_analysis import text_fill_now

from ..conftest import facts


def add_comments(
    company: dict,
    texts: list[str],
    *,
    first: int = 0,
    days_ago: int = 5,
    scores: list[float] | None = None,
    metric: str = "nps",
) -> None:
    """Responses with these comments (keys t<first>...), analysed into response_texts.
    ``scores``: one per text (default: all 3.0, an NPS detractor's)."""
    slug = company["ws"].slug
    at = datetime.now() - timedelta(days=days_ago)
    rows = [
        {
            "workspace": slug,
            "row_key": f"t{first + i}",
            "response_id": f"t{first + i}",
            "customer_id": f"c{i % 8}",
            "metric": metric,
            "score": scores[i] if scores is not None else 3.0,
            "scale_max": 5 if metric == "csat" else 7 if metric == "ces" else 10,
            "at": at + timedelta(minutes=i),
            "unit_id": company["dept"].code if i % 2 == 0 else company["other"].code,
            "employee_id": company["alice"].code,
            "touchpoint_id": company["tp"].code,
            "comment": text,
        }
        for i, text in enumerate(texts)
    ]
    with analytics() as store:
        store.write("responses", facts("responses", rows))
    text_fill_now(workspace_slug=slug)
