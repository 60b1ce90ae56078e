"""The geometry of the report's SVG charts: where each bar goes and how long it is, as plain
numbers the template draws. Two kinds: columns over time, stacked by series, and horizontal bars,
stacked by series. Colours are the Okabe–Ito palette (told apart with the common colour vision
deficiencies), and every series is named in a legend and in the table under each chart."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["PALETTE", "bars", "nice_ticks", "stacked_columns"]

#: the colours of the series in order; the last one, grey, is ``other``
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8A6D00", "#6E6E6E"]
#: fixed colours of the series that mean the same in every chart
FIXED = {"hard": "#B84A00", "soft": "#0072B2", "other": "#6E6E6E", "greylisting": "#009E73", "block": "#B84A00"}


def colours(series: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    free = iter(c for c in PALETTE[:-1])
    for name in series:
        out[name] = FIXED.get(name) or next(free, PALETTE[-1])
    return out


def nice_ticks(top: int, count: int = 4) -> list[int]:
    """Round axis values from 0 to at least ``top``: 0, 5, 10 … (1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(int(step), 1)
    return list(range(0, (math.ceil(top / step) + 1) * step, step))


def stacked_columns(labels: list[str], series: list[str], values: list[list[int]], width: int = 760,
                    height: int = 280) -> dict[str, Any]:
    """Columns, one per label (a period), each stacked by series (``values[i][j]``: label i, series j)."""
    left, right, top, bottom = 48, 12, 12, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(v) for v in values]
    ticks = nice_ticks(max(totals, default=0))
    scale = plot_h / ticks[-1] if ticks[-1] else 0
    n = max(len(labels), 1)
    slot = plot_w / n
    bar_w = max(slot * 0.8, 1.0)
    palette = colours(series)
    columns = []
    for i, (label, row) in enumerate(zip(labels, values, strict=True)):
        x = left + i * slot + (slot - bar_w) / 2
        y: float = top + plot_h
        segments = []
        for name, value in zip(series, row, strict=True):
            if value:
                h = value * scale
                y -= h
                segments.append({"x": round(x, 2), "y": round(y, 2), "w": round(bar_w, 2), "h": round(h, 2),
                                 "colour": palette[name], "series": name, "value": value})
        columns.append({"label": label, "total": totals[i], "segments": segments})
    every = max(1, math.ceil(n / 12))  # at most 12 labels under the axis
    xlabels = [{"x": round(left + i * slot + slot / 2, 2), "text": label}
               for i, label in enumerate(labels) if i % every == 0]
    return {"width": width, "height": height, "left": left, "right": width - right, "top": top,
            "base": top + plot_h, "columns": columns, "xlabels": xlabels, "series": series, "colours": palette,
            "yticks": [{"y": round(top + plot_h - t * scale, 2), "value": t} for t in ticks]}


def bars(labels: list[str], series: list[str], values: list[list[int]], width: int = 760) -> dict[str, Any]:
    """Horizontal bars, one per label, stacked by series, with the total at the end of each."""
    row_h, gap, top = 24, 8, 8
    label_w = min(260, 12 + 7 * max((len(label) for label in labels), default=4))
    total_w = 64
    plot_w = width - label_w - total_w
    totals = [sum(v) for v in values]
    biggest = max(totals, default=0)
    scale = plot_w / biggest if biggest else 0
    palette = colours(series)
    rows = []
    for i, (label, row) in enumerate(zip(labels, values, strict=True)):
        y = top + i * (row_h + gap)
        x = float(label_w)
        segments = []
        for name, value in zip(series, row, strict=True):
            if value:
                w = value * scale
                segments.append({"x": round(x, 2), "y": y, "w": round(max(w, 1.0), 2), "h": row_h,
                                 "colour": palette[name], "series": name, "value": value})
                x += w
        rows.append({"label": label if len(label) <= 36 else label[:35] + "…", "full": label, "y": y,
                     "text_y": y + row_h / 2 + 4, "total": totals[i], "total_x": round(x + 6, 2), "segments": segments})
    height = top * 2 + max(len(labels), 1) * (row_h + gap)
    return {"width": width, "height": height, "label_w": label_w, "rows": rows, "series": series,
            "colours": palette}
