"""The internal-service heat map: raters down, rated departments across, as server SVG.

Each cell carries its NPS as text and its n and interval in a tooltip, so colour is never the
only signal; the colour runs from orange (low) through grey to blue (high), which readers
with red-green colour blindness can tell apart.
"""

from __future__ import annotations

import math
from html import escape

from cxray.analytics.internal_nps import InternalMatrix


def _colour(value: float) -> str:
    """-100 → orange, 0 → light grey, +100 → blue."""
    if math.isnan(value):
        return "#ffffff"
    t = max(-1.0, min(1.0, value / 100.0))
    grey, low, high = (235, 235, 235), (230, 120, 20), (31, 95, 191)
    end = high if t > 0 else low
    rgb = [round(g + (e - g) * abs(t)) for g, e in zip(grey, end, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def heatmap_svg(m: InternalMatrix, names: dict[str, str], *, cell: int = 64) -> str:
    if not m.cells:
        return ""
    left, top = 190, 120
    width = left + cell * len(m.rated) + 10
    height = top + cell * len(m.raters) + 10
    parts = [
        f'<svg class="chart heatmap" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for j, rated in enumerate(m.rated):
        x = left + j * cell + cell / 2
        label = escape(names.get(rated, rated))[:28]
        parts.append(
            f'<text x="{x:.1f}" y="{top - 8}" transform="rotate(-40 {x:.1f} {top - 8})" '
            f'class="tick">{label}</text>'
        )
    for i, rater in enumerate(m.raters):
        y = top + i * cell + cell / 2 + 4
        label = escape(names.get(rater, rater))[:30]
        parts.append(
            f'<text x="{left - 8}" y="{y:.1f}" text-anchor="end" class="tick">{label}</text>'
        )
        for j, rated in enumerate(m.rated):
            c = m.cell(rater, rated)
            x0, y0 = left + j * cell, top + i * cell
            if c is None:
                parts.append(
                    f'<rect x="{x0}" y="{y0}" width="{cell - 2}" height="{cell - 2}" '
                    f'fill="#fafafa" stroke="#ddd"/>'
                )
                continue
            s = c.score
            tip = (
                f"{escape(names.get(rater, rater))} → {escape(names.get(rated, rated))}: "
                f"{s.value:.0f} [{s.low:.0f}; {s.high:.0f}], n={s.n}"
            )
            dash = ' stroke-dasharray="3 2"' if c.pooled else ""
            parts.append(
                f'<g><title>{tip}</title><rect x="{x0}" y="{y0}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="{_colour(s.value)}" stroke="#999"{dash}/>'
                f'<text x="{x0 + cell / 2 - 1:.1f}" y="{y0 + cell / 2:.1f}" text-anchor="middle" '
                f'class="tick">{s.value:+.0f}</text>'
                f'<text x="{x0 + cell / 2 - 1:.1f}" y="{y0 + cell / 2 + 14:.1f}" '
                f'text-anchor="middle" class="tick small">n={s.n}</text></g>'
            )
    parts.append("</svg>")
    return "".join(parts)
