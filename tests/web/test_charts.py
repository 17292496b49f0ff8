"""The SVG charts the pages draw on the server."""

from __future__ import annotations

import re

from cxray.web.dashboards.charts import survival_svg


def polyline_points(svg: str) -> list[tuple[float, float]]:
    raw = re.search(r'<polyline points="([^"]+)"', svg).group(1)
    return [tuple(map(float, p.split(","))) for p in raw.split()]


def test_a_few_steps_are_drawn_exactly():
    # Plot area: x from 44 to 1000 - 180 = 820 over t 0..100; y from 10 (100%) to 230 (lo).
    svg = survival_svg({"all": ([50.0, 100.0], [0.9, 0.5])}, width=1000, height=260)
    lo = 0.5 - 0.05
    y = lambda s: 10 + (1.0 - s) / (1.0 - lo) * (230 - 10)  # noqa: E731
    expected = [(44.0, y(1.0)), (432.0, y(1.0)), (432.0, y(0.9)), (820.0, y(0.9)),
                (820.0, y(0.5)), (820.0, y(0.5))]  # fmt: skip
    assert polyline_points(svg) == [(px, round(py, 1)) for px, py in expected]


def test_steps_closer_than_a_pixel_are_drawn_as_one_drop():
    n = 20_000
    times = [i / 100 for i in range(1, n + 1)]  # 20,000 events over 776 pixels
    surv = [1 - i / (2 * n) for i in range(1, n + 1)]  # down to 0.5
    points = polyline_points(survival_svg({"all": (times, surv)}))
    assert len(points) <= 2 * 777 + 2
    # The curve still starts at 100% and ends at the last survival value.
    assert points[0][1] == 10.0 and points[-1][1] == points[-2][1]
    assert points[-1] == (820.0, round(10 + (1 - 0.5) / (1 - 0.45) * 220, 1))
