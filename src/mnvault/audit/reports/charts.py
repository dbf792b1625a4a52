"""Bar charts as inline SVG: no JavaScript, no chart library, the same in HTML and PDF.

Every label and value is escaped here, so the template can insert a chart as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

FONT = "'Noto Sans CJK JP', 'Noto Sans JP', sans-serif"
BAR = "#3b6ea5"
HIGHLIGHT = "#c0392b"
MUTED = "#9aa7b4"
LABEL_CHARS = 28
MAX_BARS = 25


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _fit(bars: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """At most MAX_BARS bars; the rest summed into one, so a chart never runs off the page."""
    if len(bars) <= MAX_BARS:
        return list(bars)
    rest = sum(value for _, value in bars[MAX_BARS - 1 :])
    return [*bars[: MAX_BARS - 1], (f"その他 / others ({len(bars) - MAX_BARS + 1})", rest)]


def bar_chart(bars: Sequence[tuple[str, int]], *, title: str, width: int = 640) -> Markup:
    """Horizontal bars, one per (label, value), longest scaled to the width."""
    shown = _fit(bars)
    if not shown:
        return Markup("")
    row, label_width, top = 20, 230, 24
    plot = width - label_width - 60
    peak = max(value for _, value in shown) or 1
    height = top + row * len(shown) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}" '
        f'font-size="11"><title>{escape(title)}</title>'
        f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>'
    ]
    for index, (label, value) in enumerate(shown):
        y = top + index * row
        length = max(1.0, plot * value / peak) if value else 0.0
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end">'
            f"{escape(_short(label))}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" '
            f'fill="{BAR}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 13}">{value:,}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped or numeric


def column_chart(
    columns: Sequence[int],
    *,
    title: str,
    highlight: int | None = None,
    threshold: float | None = None,
    width: int = 640,
) -> Markup:
    """Vertical columns in order (days), one highlighted, with a dashed threshold line."""
    if not columns:
        return Markup("")
    height, top, bottom = 150, 24, 16
    plot_height = height - top - bottom
    peak = max([*columns, threshold or 0]) or 1
    step = width / len(columns)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}" '
        f'font-size="11"><title>{escape(title)}</title>'
        f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>'
    ]
    for index, value in enumerate(columns):
        bar = plot_height * value / peak
        colour = HIGHLIGHT if index == highlight else (MUTED if highlight is not None else BAR)
        parts.append(
            f'<rect x="{index * step + 1:.1f}" y="{top + plot_height - bar:.1f}" '
            f'width="{max(step - 2, 1):.1f}" height="{bar:.1f}" fill="{colour}"/>'
        )
    if threshold is not None:
        y = top + plot_height - plot_height * threshold / peak
        parts.append(
            f'<line x1="0" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="{HIGHLIGHT}" '
            f'stroke-dasharray="4 3"/>'
        )
    if highlight is not None:
        parts.append(
            f'<text x="{width}" y="{height - 3}" text-anchor="end">{columns[highlight]:,}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped or numeric
