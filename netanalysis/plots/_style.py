"""What every figure shares: the palette, a styled figure, legends kept off the data, the empty-figure message.

No backend is chosen here: notebooks show figures inline (the report runner starts
its kernels with the inline backend, report/runner.py), scripts use the default.

Colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"),
which stays distinguishable with the common colour-vision deficiencies; the
order keeps the roles the figures use (0: main series, 1: contrast or marker,
2 and 3: further series). Yellow and grey come last: yellow is faint on white.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib import cycler
from matplotlib.ticker import MaxNLocator

OKABE_ITO = {"blue": "#0072B2", "vermillion": "#D55E00", "orange": "#E69F00", "bluish green": "#009E73",
             "sky blue": "#56B4E9", "reddish purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000"}
COLORS = [OKABE_ITO[c] for c in ("blue", "vermillion", "orange", "bluish green", "sky blue", "reddish purple")]
COLORS += ["#777777", OKABE_ITO["yellow"]]
GREY = "#c8c8c8"  # context series drawn behind the highlighted ones
MAX_SERIES = 6  # more coloured series than this cannot be told apart: use small multiples or grey the rest
STYLE = {"axes.prop_cycle": cycler(color=COLORS)}


def figure(w: float = 8.0, h: float = 4.0, ax=None, grid: str = "y", dpi: int = 110, rc: dict | None = None):
    """A figure and its axes, styled (no top or right spine, a light grid); `ax` draws into an existing one."""
    if ax is None:
        with plt.rc_context({**STYLE, **(rc or {})}):
            fig, ax = plt.subplots(figsize=(w, h), dpi=dpi)
    else:
        fig = ax.figure
    style_axes(ax, grid)
    return fig, ax


def style_axes(ax, grid: str = "y") -> None:
    """The shared look of one axes: no top or right spine, a light grid, the colour-blind-safe cycle."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis=grid, alpha=0.3)
    ax.set_prop_cycle(STYLE["axes.prop_cycle"])


def integer_ticks(axis) -> None:
    """Whole-number ticks on an axis of counts (no 2.5 relationships)."""
    axis.set_major_locator(MaxNLocator(integer=True))


def legend_above(ax, title: str, handles=None, labels=None, ncol: int = 2, fontsize: float = 8,
                 title_size: float | None = None) -> None:
    """The legend in a row between the title and the plot, so it never covers data.

    The title is lifted by the legend's height (rows of `fontsize` points).
    """
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0, 1.01), ncol=ncol, frameon=False,
                  fontsize=fontsize, borderaxespad=0, handlelength=1.8, columnspacing=1.2)
    rows = -(-len(handles) // ncol) if handles else 0
    ax.set_title(title, loc="left", pad=8 + rows * fontsize * 1.6, fontsize=title_size)


def date_axis(ax) -> None:
    """Short, horizontal date labels (the year once, then months): nothing rotated or overlapping."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def empty(ax, text: str = "No data to show") -> None:
    """Say on the axes that there is nothing to draw."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555")
    ax.set_xticks([]); ax.set_yticks([])
