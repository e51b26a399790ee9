"""Charts as SVG drawn on the server (docs/domain.md#statistics). Why not Apache ECharts: its script is about
1 MB to parse on old intranet PCs, it needs JavaScript, and a canvas chart neither prints cleanly nor reads to
a screen reader. An SVG made here works without JavaScript, prints, scales with the large-text mode (it is
sized in em), and draws the very rows of the table shown under it, so chart and table cannot disagree.

Horizontal bars: long Chinese labels fit, and every bar carries its number as text."""

from __future__ import annotations

from markupsafe import Markup, escape

BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 22, 8, 260, 320, 60


def bar_chart(title: str, items, *, chart_id: str) -> Markup:
    """``items``: (label, value) pairs. The SVG is an image named by its title; the numbers are in the table
    that follows it, which is what a screen reader reads."""
    items = [(str(label), float(value or 0)) for label, value in items]
    top = max((v for _l, v in items), default=0) or 1
    height = max(1, len(items)) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [f'<svg class="chart" role="img" aria-labelledby="{chart_id}-t" viewBox="0 0 {width} {height}" '
             f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-t">{escape(title)}</title>']
    for n, (label, value) in enumerate(items):
        y = GAP + n * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * value / top, 1)
        shown = int(value) if value.is_integer() else round(value, 1)
        short = label if len(label) <= 16 else label[:15] + "…"
        parts.append(f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.72}" '
                     f'text-anchor="end">{escape(short)}</text>')
        parts.append(f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}"/>')
        parts.append(f'<text class="chart-value" x="{LABEL_WIDTH + length + 6}" y="{y + BAR_HEIGHT * 0.72}">'
                     f'{shown}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
