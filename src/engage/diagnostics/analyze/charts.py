"""Small inline SVG charts for the HTML report (no external assets, no JavaScript)."""

from __future__ import annotations

from html import escape

PALETTE = ("#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
WIDTH, HEIGHT, PAD = 720, 220, 40


def line_chart(series: dict[str, dict[str, int]], *, title: str, max_series: int = 8) -> str:
    """Counts per hour (`YYYY-MM-DDTHH` keys) per series as an SVG line chart; '' when empty."""
    if not series:
        return ""
    top = sorted(series, key=lambda k: -sum(series[k].values()))[:max_series]
    hours = sorted({h for name in top for h in series[name]})
    peak = max(max(series[name].values()) for name in top) or 1
    step = (WIDTH - 2 * PAD) / max(len(hours) - 1, 1)
    index = {h: i for i, h in enumerate(hours)}

    def xy(hour: str, value: int) -> str:
        x = PAD + index[hour] * step
        y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / peak
        return f"{x:.1f},{y:.1f}"

    height = HEIGHT + 20 * len(top)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
        f' role="img" aria-label="{escape(title)}">',
        f'<text x="{PAD}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        _axes(hours, peak),
    ]
    for n, name in enumerate(top):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(xy(h, series[name].get(h, 0)) for h in hours)
        if len(hours) == 1:
            parts.append(
                f'<circle cx="{xy(hours[0], series[name][hours[0]]).split(",")[0]}" '
                f'cy="{xy(hours[0], series[name][hours[0]]).split(",")[1]}" r="4" '
                f'fill="{colour}"/>'
            )
        else:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
            )
        total = sum(series[name].values())
        parts.append(
            f'<rect x="{PAD}" y="{HEIGHT + 20 * n - 4}" width="10" height="10" '
            f'fill="{colour}"/><text x="{PAD + 16}" y="{HEIGHT + 20 * n + 5}" '
            f'font-size="12">{escape(name)} ({total})</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _axes(hours: list[str], peak: int) -> str:
    bottom = HEIGHT - PAD
    first = escape(hours[0].replace("T", " ") + "h")
    last = escape(hours[-1].replace("T", " ") + "h")
    return (
        f'<line x1="{PAD}" y1="{bottom}" x2="{WIDTH - PAD}" y2="{bottom}" stroke="#999"/>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{bottom}" stroke="#999"/>'
        f'<text x="{PAD - 4}" y="{PAD + 4}" font-size="11" text-anchor="end">{peak}</text>'
        f'<text x="{PAD - 4}" y="{bottom}" font-size="11" text-anchor="end">0</text>'
        f'<text x="{PAD}" y="{bottom + 16}" font-size="11">{first}</text>'
        f'<text x="{WIDTH - PAD}" y="{bottom + 16}" font-size="11" '
        f'text-anchor="end">{last}</text>'
    )


def bar_chart(rows: list[tuple[str, float, float]], *, title: str, unit: str = "ms") -> str:
    """Horizontal bars of (label, median, maximum) per row, e.g. request time by endpoint."""
    if not rows:
        return ""
    peak = max(high for _label, _mid, high in rows) or 1.0
    left, bar_width, row = 260, WIDTH - 260 - PAD, 22
    height = 30 + row * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
        f' role="img" aria-label="{escape(title)}">',
        f'<text x="4" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for n, (label, middle, high) in enumerate(rows):
        y = 30 + n * row
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" font-size="11" text-anchor="end">'
            f"{escape(label[:40])}</text>"
            f'<rect x="{left}" y="{y + 2}" width="{bar_width * high / peak:.1f}" height="14"'
            f' fill="{PALETTE[1]}" fill-opacity="0.35"/>'
            f'<rect x="{left}" y="{y + 2}" width="{bar_width * middle / peak:.1f}" height="14"'
            f' fill="{PALETTE[1]}"/>'
            f'<text x="{left + 4 + bar_width * high / peak:.1f}" y="{y + 13}" font-size="11">'
            f"{middle:,.0f} / {high:,.0f} {escape(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
