"""The 通报's charts as PNG pictures (matplotlib, Agg): totals by unit and the 态势图 heat map.

Chinese labels need a CJK font on the machine: the first installed of `CJK_FONTS` (matplotlib
finds system fonts through fontconfig, `fc-list`). Without one, `cjk_font()` is None and the
通报 says the charts were left out instead of printing boxes for every character.
"""
from __future__ import annotations

import io
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402

from kaoping.reports import texts  # noqa: E402
from kaoping.reports.bulletin_data import ChartData  # noqa: E402

# simplified-Chinese sans fonts, preferred first (Noto: fonts-noto-cjk; Windows: 黑体 / 微软雅黑)
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "SimHei", "Microsoft YaHei",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback", "Noto Sans CJK JP")
DPI = 200
WIDTH_IN = 6.1  # the text width of an A4 公文 page (156 mm)
# units per picture: a picture and its caption fit the 225 mm text height of an A4 公文 page
# (a taller one is cut off by Word and LibreOffice), and memory stays bounded at any unit count
PAGE_UNITS = 24
GRADE_COLOURS = ("#2E75B6", "#70AD47", "#FFC000", "#C00000", "#7F7F7F")
HEAT = LinearSegmentedColormap.from_list("kaoping_rate", ["#C00000", "#FFC000", "#FFF2CC", "#70AD47"])


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can draw with, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    if not any(name in installed for name in CJK_FONTS):
        for path in font_manager.findSystemFonts():  # fonts installed after matplotlib built its cache
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
        installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def wrapped(text: str, width: int) -> str:
    """A label broken into balanced lines of at most `width` characters (names under narrow columns)."""
    lines = -(-len(text) // width)
    step = -(-len(text) // max(lines, 1))
    return "\n".join(text[k:k + step] for k in range(0, len(text), step))


def _png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return out.getvalue()


def _style(font: str) -> dict:
    return {"font.family": [font], "font.size": 9, "axes.unicode_minus": False, "svg.hashsalt": "kaoping"}


def totals_chart(chart: ChartData, font: str) -> bytes:
    """Horizontal bars of the totals in ranking order (first at the top), coloured by grade."""
    n = len(chart.units)
    with plt.rc_context(_style(font)):
        fig, ax = plt.subplots(figsize=(WIDTH_IN, max(2.4, 0.32 * n + 1.0)))
        y = np.arange(n)
        colour = {g: GRADE_COLOURS[min(k, len(GRADE_COLOURS) - 1)] for k, g in enumerate(chart.grade_order)}
        ax.barh(y, chart.totals, color=[colour.get(g, GRADE_COLOURS[-1]) for g in chart.grades], height=0.62)
        for k, total in enumerate(chart.totals):
            ax.text(total + chart.full_marks * 0.01, k, f"{total:.2f}", va="center", fontsize=8)
        ax.set_yticks(y, chart.units)
        ax.invert_yaxis()
        ax.set_xlim(0, chart.full_marks * 1.08)
        ax.set_xlabel(texts.TOTAL_AXIS)
        ax.spines[["top", "right"]].set_visible(False)
        handles = [plt.Rectangle((0, 0), 1, 1, color=colour[g]) for g in chart.grade_order if g in set(chart.grades)]
        ax.legend(handles, [g for g in chart.grade_order if g in set(chart.grades)], loc="lower right",
                  frameon=False, fontsize=8)
        return _png(fig)


def heatmap_chart(chart: ChartData, font: str) -> bytes:
    """态势图: units (rows, ranking order) × categories (columns), each cell its score rate in %."""
    n, m = chart.rates.shape
    with plt.rc_context(_style(font)):
        fig, ax = plt.subplots(figsize=(WIDTH_IN, max(2.6, 0.3 * n + 1.6)))
        masked = np.ma.masked_invalid(chart.rates)
        image = ax.imshow(masked, cmap=HEAT, vmin=0, vmax=1, aspect="auto")
        for i in range(n):
            for j in range(m):
                rate = chart.rates[i, j]
                if rate == rate:
                    ax.text(j, i, f"{rate * 100:.0f}", ha="center", va="center", fontsize=7,
                            color="white" if rate < 0.35 else "black")
        ax.set_xticks(np.arange(m), [wrapped(name, 4 if m > 5 else 6) for name in chart.categories])
        ax.xaxis.tick_top()
        ax.set_yticks(np.arange(n), chart.units)
        ax.tick_params(length=0)
        bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
        bar.set_ticks([0, 0.25, 0.5, 0.75, 1], labels=["0%", "25%", "50%", "75%", "100%"])
        return _png(fig)
