"""Charts of the figures, drawn on the server as SVG: no script, no network, no chart library.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by
its ``<desc>`` (``aria-labelledby``/``aria-describedby``); the page shows the
table behind it right below. A suppressed count (``None``) is drawn as no bar
with "<5" beside it, never as its real size.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .figures import SUPPRESS_BELOW

# Okabe-Ito: told apart with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D1F", "#333333")
SUPPRESSED = f"<{SUPPRESS_BELOW}"
WIDTH = 720


def _svg(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> SafeString:
    head = (
        f'<svg class="chart" id="{chart_id}" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 (every text escaped above and below)


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 12, extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="#1b1b1b"{extra}>{escape(text)}</text>'
    )


def bars(
    chart_id: str, title: str, items: Sequence[tuple[str, int | float | None]], unit: str = ""
) -> SafeString:
    """Horizontal bars, one per item; a ``None`` value is suppressed."""
    label_width, row, top = 260, 24, 8
    height = top + row * max(len(items), 1) + 8
    known = [value for _label, value in items if value is not None]
    scale = max(known) if known else 0
    plot = WIDTH - label_width - 70
    body: list[str] = []
    for index, (label, value) in enumerate(items):
        y = top + index * row
        body.append(_text(label_width - 8, y + 16, _short(label, 36), "end"))
        if value is None:
            body.append(_text(label_width + 4, y + 16, SUPPRESSED))
            continue
        length = plot * value / scale if scale else 0
        body.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"/>'
        )
        body.append(_text(label_width + length + 6, y + 16, _number(value) + unit))
    desc = "; ".join(
        f"{label}: {SUPPRESSED if value is None else _number(value) + unit}" for label, value in items
    )
    return _svg(chart_id, title, desc or _("Geen gegevens in deze periode."), height, body)


def columns(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None]]],
) -> SafeString:
    """Stacked columns: one per category, a segment per series; suppressed segments left out."""
    left, top, plot_height, legend_row = 48, 12, 220, 20
    legend_rows = (len(series) + 2) // 3
    height = top + plot_height + 40 + legend_rows * legend_row + 8
    totals = [sum(values[i] or 0 for _name, values in series) for i in range(len(categories))]
    scale = max(totals) if totals and max(totals) > 0 else 1
    slot = (WIDTH - left - 8) / max(len(categories), 1)
    width = max(slot * 0.7, 2)
    body = [
        f'<line x1="{left}" y1="{top + plot_height}" x2="{WIDTH - 8}" y2="{top + plot_height}" '
        'stroke="#1b1b1b"/>',
        _text(left - 6, top + 10, _number(scale), "end", 11),
        _text(left - 6, top + plot_height, "0", "end", 11),
    ]
    for i, category in enumerate(categories):
        x = left + i * slot + (slot - width) / 2
        y = float(top + plot_height)
        hidden = False
        for s, (_name, values) in enumerate(series):
            value = values[i]
            if value is None:
                hidden = True
                continue
            segment = plot_height * value / scale
            y -= segment
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{segment:.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"/>'
            )
        if hidden:
            body.append(_text(x + width / 2, y - 4, SUPPRESSED, "middle", 10))
        if len(categories) <= 13 or i % 2 == 0:
            body.append(_text(x + width / 2, top + plot_height + 16, category, "middle", 11))
    for s, (name, _values) in enumerate(series):
        lx = left + (s % 3) * 220
        ly = top + plot_height + 32 + (s // 3) * legend_row
        body.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>')
        body.append(_text(lx + 18, ly + 11, _short(name, 30), size=12))
    parts = []
    for i, category in enumerate(categories):
        cells = [f"{name} {SUPPRESSED if values[i] is None else values[i]}" for name, values in series]
        parts.append(f"{category}: " + ", ".join(cells))
    return _svg(chart_id, title, "; ".join(parts) or _("Geen gegevens in deze periode."), height, body)


def _number(value: int | float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return f"{int(value):,}".replace(",", ".")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
