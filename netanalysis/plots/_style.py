"""What every figure shares: the palette, a styled figure, the empty-figure message.

No backend is chosen here: notebooks show figures inline (the report runner starts
its kernels with the inline backend, report/runner.py), scripts use the default.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

COLORS = ["#1f6feb", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#30638e", "#6c757d"]


def figure(w: float = 8.0, h: float = 4.0, ax=None, grid: str = "y", dpi: int = 110, rc: dict | None = None):
    """A figure and its axes, styled (no top or right spine, a light grid); `ax` draws into an existing one."""
    if ax is None:
        with plt.rc_context(rc or {}):
            fig, ax = plt.subplots(figsize=(w, h), dpi=dpi)
    else:
        fig = ax.figure
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis=grid, alpha=0.3)
    return fig, ax


def empty(ax, text: str = "No data to show") -> None:
    """Say on the axes that there is nothing to draw."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555")
    ax.set_xticks([]); ax.set_yticks([])
