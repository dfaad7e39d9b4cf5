"""Figures for the network notebook: tie strength, diversity, dormant ties, the ego network.

Each function takes data and returns a Figure; no file I/O. Names drawn on a
figure go through :func:`safe_label`, so a name cannot turn into matplotlib
mathtext (``$...$``) or spill over the figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker
import networkx as nx
import numpy as np
import pandas as pd

from netanalysis.plots._style import COLORS, MAX_SERIES, date_axis, empty, figure, integer_ticks, legend_above

CLASS_COLORS = {"weak": COLORS[2], "medium": COLORS[3], "strong": COLORS[0]}


def safe_label(text, limit: int = 24) -> str:
    """A data string made safe to draw: mathtext characters escaped, control characters dropped, shortened.

    >>> safe_label("Ann $1M$ Lee")
    'Ann \\\\$1M\\\\$ Lee'
    """
    s = "".join(ch for ch in str(text) if ch.isprintable())
    if len(s) > limit:
        s = s[: limit - 1] + "\u2026"
    return s.replace("\\", "\\\\").replace("$", r"\$")


def _bars(ax, labels, values, low, high, colors, fmt="{:.1%}"):
    v = np.asarray(values, dtype=float)
    lo, hi = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    x = np.arange(len(labels))
    shown = np.nan_to_num(v)
    ax.bar(x, shown, color=colors, width=0.6)
    err = np.vstack([np.clip(shown - np.nan_to_num(lo, nan=0.0), 0, None), np.clip(np.nan_to_num(hi, nan=0.0) - shown, 0, None)])
    ok = np.isfinite(v) & np.isfinite(lo) & np.isfinite(hi)
    if ok.any():
        ax.errorbar(x[ok], shown[ok], yerr=err[:, ok], fmt="none", ecolor="#333", capsize=4, lw=1)
    top = max(np.nanmax(np.r_[shown, np.nan_to_num(hi, nan=0.0)]), 1e-12)
    for xi, val in zip(x, v):
        inside = np.isfinite(val) and val > 0.12 * top  # a tall bar holds its value in white; a short one above it
        ax.text(xi, 0, "n/a" if not np.isfinite(val) else fmt.format(val), ha="center", va="bottom", fontsize=8,
                color="white" if inside else "#222", fontweight="bold" if inside else "normal")
    ax.set_xticks(x, labels)


def tie_strength_outcomes(table: pd.DataFrame, thresholds: tuple[float, float] | None, axes=None) -> plt.Figure:
    """Share of won outcomes and monthly outcome rate per tie, by tie strength, with 95% intervals.

    `axes` (a pair) draws the two panels into a caller's figure, which keeps its own title.
    """
    own = axes is None
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.8), dpi=110) if own else (axes[0].figure, axes)
    for ax in axes:
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", alpha=0.3)
    if thresholds is None or table["tie_months"].sum() == 0:
        for ax in axes:
            empty(ax, "No tie was active in a previous 12-month window")
        return fig
    names = list(table.index)
    colors = [CLASS_COLORS.get(c, COLORS[5]) for c in names]
    lo_h, hi_h = thresholds[0] / 60, thresholds[1] / 60
    labels = [f"weak\n\u2264 {lo_h:.1f} h", f"medium\n{lo_h:.1f}\u2013{hi_h:.1f} h", f"strong\n> {hi_h:.1f} h"]
    _bars(axes[0], labels, table["outcome_share"], table["outcome_share_low"], table["outcome_share_high"], colors, "{:.0%}")
    axes[0].axhline(1 / 3, color="#888", lw=1, ls="--")
    axes[0].set_ylabel("share of won outcomes")
    axes[0].set_title("Where won outcomes came from", fontsize=10)
    axes[0].yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    _bars(axes[1], labels, table["outcome_rate"], table["outcome_rate_low"], table["outcome_rate_high"], colors)
    axes[1].set_ylabel("chance of a won outcome per tie per month")
    axes[1].set_title("How often a tie pays, by strength", fontsize=10)
    axes[1].yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=1))
    if own:
        fig.suptitle("Tie strength: hours invested in the previous 12 months", fontsize=11)
    fig.tight_layout()
    return fig


def diversity_over_time(by_company: pd.DataFrame, won_per_month: pd.Series | None = None,
                        by_source: pd.DataFrame | None = None, ax=None) -> plt.Figure:
    """Entropy (bits) of invested minutes across companies (and sources) over trailing 12 months,
    with won outcomes per month behind it."""
    fig, ax = figure(ax=ax)
    if by_company.empty or not np.isfinite(by_company["entropy_bits"].to_numpy(dtype=float)).any():
        empty(ax, "No company is known for the contacts met")
        return fig
    x = by_company["period"].dt.tz_convert(None)
    if won_per_month is not None and len(won_per_month):
        ax2 = ax.twinx()
        w = won_per_month.reindex(by_company["period"]).fillna(0).to_numpy()
        ax2.bar(x, w, width=25, color="#cccccc", label="won outcomes per month")
        ax2.set_ylabel("won outcomes per month")
        ax2.spines[["top"]].set_visible(False)
        ax.set_zorder(ax2.get_zorder() + 1)
        ax.patch.set_visible(False)
    ax.plot(x, by_company["entropy_bits"], color=COLORS[0], lw=2, label="across companies")
    if by_source is not None and not by_source.empty and np.nanmax(by_source["entropy_bits"].to_numpy(dtype=float), initial=0) > 0:
        ax.plot(by_source["period"].dt.tz_convert(None), by_source["entropy_bits"], color=COLORS[1], lw=1.5,
                ls="--", label="across sources")
    ax.set_ylabel("diversity (bits, trailing 12 months)")
    ax.set_ylim(bottom=0)
    handles, labels = ax.get_legend_handles_labels()
    for other in fig.axes:
        if other is not ax and other.bbox.bounds == ax.bbox.bounds:  # the twin with the grey bars
            integer_ticks(other.yaxis)
            h2, l2 = other.get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
    legend_above(ax, "How evenly time is spread across companies", handles, labels, ncol=3)
    date_axis(ax)
    fig.tight_layout()
    return fig


def dormant_vs_active(table: pd.DataFrame, ax=None) -> plt.Figure:
    """Monthly outcome rate after reactivating a dormant tie against continuously active ties."""
    fig, ax = figure(6.0, 3.6, ax=ax)
    if table["tie_months"].sum() == 0:
        empty(ax, "No tie-months to compare")
        return fig
    labels = [f"reactivated after 12+ silent months\n({int(table.loc['reactivated', 'reactivations'])} reactivations)",
              f"kept active\n({int(table.loc['active', 'ties'])} ties)"]
    _bars(ax, labels, table["outcome_rate"], table["outcome_rate_low"], table["outcome_rate_high"],
          [COLORS[4], COLORS[0]], "{:.1%}")
    ax.set_ylabel("chance of a won outcome per tie per month")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title("Dormant ties, reactivated, against ties kept active")
    fig.tight_layout()
    return fig


def ego_network(graph: nx.Graph, ego, names: dict | None = None, groups: dict | None = None,
                highlight=(), max_nodes: int = 150, seed: int = 0, max_labels: int = 6, ax=None) -> plt.Figure:
    """The user's network: contacts linked by shared occasions around the user at the centre.

    Only contacts linked to another contact are drawn (at most `max_nodes`, by
    shared occasions); the user's own ties are drawn as faint spokes. The first
    `max_labels` contacts in `highlight` (brokers) are ringed and labelled with
    `names` (made safe with :func:`safe_label`), each label moved off its
    neighbours (:func:`place_labels`). The title says how many contacts are
    drawn, of how many the user has.
    """
    own = ax is None
    fig, ax = plt.subplots(figsize=(8.5, 7.0), dpi=110) if own else (ax.figure, ax)
    ax.set_axis_off()
    linked = [n for n in graph.nodes if n != ego and graph.degree(n) > (1 if graph.has_edge(n, ego) else 0)]
    if not linked:
        ax.text(0.5, 0.5, "No two contacts share a meeting, message or deal", ha="center", va="center",
                transform=ax.transAxes, color="#555")
        return fig
    strength = {n: graph.degree(n, weight="weight") - (graph[n][ego]["weight"] if graph.has_edge(n, ego) else 0) for n in linked}
    keep = sorted(linked, key=lambda n: (-strength[n], str(n)))[:max_nodes]
    # The drawn graph keeps the order of `keep` (a subgraph view would follow set order, which changes with
    # Python's hash seed, and the layout with it): the same picture in every run.
    h = nx.Graph()
    h.add_nodes_from(keep)
    h.add_edges_from((u, v, graph[u][v]) for i, u in enumerate(keep) for v in keep[i + 1:] if v in graph[u])
    pos = nx.spring_layout(h, seed=seed, weight="weight", k=1.5 / np.sqrt(max(len(keep), 1)))
    xy = np.array(list(pos.values()))
    xy = xy - xy.mean(axis=0)
    # Push the layout outwards, keeping directions, so the user fits in the middle.
    r = np.hypot(xy[:, 0], xy[:, 1])
    r_max = r.max() or 1.0
    factor = np.where(r > 0, (0.3 + 0.7 * r / r_max) / np.where(r > 0, r, 1.0), 0.0)
    pos = {n: p * f for n, p, f in zip(pos, xy, factor)}
    for n in keep:
        ax.plot([0, pos[n][0]], [0, pos[n][1]], color="#dddddd", lw=0.5, zorder=0)
    widths = [0.5 + 1.5 * np.log1p(d["weight"]) for _, _, d in h.edges(data=True)]
    nx.draw_networkx_edges(h, pos, ax=ax, width=widths, edge_color="#9aa5b1", alpha=0.8)
    groups = groups or {}
    # Groups are numbered from the largest: the six largest get a colour, smaller ones stay grey.
    colors = [COLORS[groups[n]] if groups.get(n, MAX_SERIES) < MAX_SERIES else "#bbbbbb" for n in keep]
    sizes = [30 + 25 * np.sqrt(strength[n]) for n in keep]
    nx.draw_networkx_nodes(h, pos, nodelist=keep, node_color=colors, node_size=sizes, ax=ax, linewidths=0)
    ax.scatter([0], [0], s=260, color="#222222", zorder=5)
    ax.text(0, -0.06, "you", ha="center", va="top", fontsize=9, fontweight="bold", zorder=6)
    ax.set_title(_network_title(len(keep), len(linked), graph.degree(ego), len(set(groups.values()))), fontsize=10,
                 loc="left")
    ax.autoscale_view()
    if own:
        fig.tight_layout()  # before the labels are placed: their overlap is judged at the final size
    labelled = [b for b in highlight if b in pos][:max_labels]
    if labelled:
        ax.scatter([pos[n][0] for n in labelled], [pos[n][1] for n in labelled], s=[sizes[keep.index(n)] for n in labelled],
                   facecolors="none", edgecolors="#111111", linewidths=1.2, zorder=4)
    place_labels(ax, [pos[n] for n in labelled], [safe_label((names or {}).get(n, n)) for n in labelled])
    return fig


def _network_title(drawn: int, linked: int, contacts: int, n_groups: int) -> str:
    """What the network figure draws, of what: 'the 150 most-connected of your 400 contacts' and the key."""
    if drawn < linked:
        first = f"Your network: the {drawn} most-connected of your {contacts} contacts"
        why = f"{linked} of them share a meeting, message or deal with another contact"
    else:
        first = f"Your network: {drawn} of your {contacts} contacts"
        why = "those who share a meeting, message or deal with another contact"
    colour = ("colour: the 6 largest groups who meet together" if n_groups > MAX_SERIES
              else "colour: groups who meet together")
    return f"{first}\n({why};\n{colour}; ringed and named: the main brokers)"


# Where a label may go, in points from its point: above, below, the sides, then further out.
_OFFSETS = [(0, 9), (0, -9), (10, 0), (-10, 0), (10, 9), (-10, 9), (10, -9), (-10, -9)]
_OFFSETS += [(dx * 2.6, dy * 2.6) for dx, dy in _OFFSETS]


def place_labels(ax, points, texts, fontsize: float = 7.5) -> list:
    """Label each point with its text, moving a label to the first offset where it overlaps no earlier one.

    Deterministic: the candidates are tried in a fixed order. A far label gets a thin line to its point.
    Returns the text artists.
    """
    fig = ax.figure
    placed, boxes = [], []
    renderer = fig.canvas.get_renderer() if points else None
    for xy, text in zip(points, texts):
        for k, (dx, dy) in enumerate(_OFFSETS):
            far = k >= 8
            ann = ax.annotate(text, xy, xytext=(dx, dy), textcoords="offset points", fontsize=fontsize, color="#111",
                              ha="center" if dx == 0 else ("left" if dx > 0 else "right"),
                              va="center" if dy == 0 else ("bottom" if dy > 0 else "top"), zorder=7,
                              bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
                              arrowprops={"arrowstyle": "-", "color": "#555", "lw": 0.6} if far else None)
            box = ann.get_window_extent(renderer)
            if not any(box.overlaps(b) for b in boxes) or k == len(_OFFSETS) - 1:
                break
            ann.remove()
        placed.append(ann)
        boxes.append(box)
    return placed
