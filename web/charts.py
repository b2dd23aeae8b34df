"""Charts drawn on the server as SVG: printable, readable without scripts, testable as text.
Every bar is a link to what it counts."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    href: str
    title: str  # what a reader hears or sees on hover: the label and the value in words


def bars(data: list[Bar], *, width: int = 640, height: int = 220, caption: str = "") -> str:
    """A bar chart: one bar per item, its value above it, its label below; an empty chart
    says so rather than drawing nothing."""
    top, bottom, left = 24, 36, 8
    plot = height - top - bottom
    most = max((b.value for b in data), default=0) or 1
    step = (width - left * 2) / max(len(data), 1)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'class="chart" aria-label={quoteattr(caption)}>'
        ),
        f"<title>{escape(caption)}</title>",
        f'<line x1="{left}" y1="{top + plot}" x2="{width - left}" y2="{top + plot}" stroke="#888"/>',
    ]
    for i, bar in enumerate(data):
        h = round(plot * bar.value / most, 1)
        x = round(left + i * step + step * 0.15, 1)
        w = round(step * 0.7, 1)
        y = round(top + plot - h, 1)
        centre = round(x + w / 2, 1)
        value = f"{bar.value:g}"
        parts.append(
            f"<a href={quoteattr(bar.href)}><title>{escape(bar.title)}</title>"
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#0b57d0"/>'
            f'<text x="{centre}" y="{y - 4}" text-anchor="middle" font-size="12">{escape(value)}</text>'
            f'<text x="{centre}" y="{height - 14}" text-anchor="middle" font-size="12">'
            f"{escape(bar.label)}</text>"
            "</a>"
        )
    parts.append("</svg>")
    return "".join(parts)
