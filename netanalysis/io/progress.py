"""Progress bars for the long steps of `load` and `panel`, shown only on a terminal.

tqdm draws on stderr and only when stderr is a terminal (``disable=None``):
pipes, log files and the output tests capture get nothing.
"""

from __future__ import annotations

import sys

from tqdm import tqdm


def progress_bar(total: int, desc: str, unit: str) -> tqdm:
    """A bar of `total` `unit`s on stderr, cleared when done; silent when stderr is not a terminal."""
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=None, leave=False, dynamic_ncols=True,
                unit_scale=unit == "row")


def step(bar: tqdm | None, desc: str) -> None:
    """Name the step a bar's work has reached (for steps that are not counted)."""
    if bar is not None:
        bar.set_description(desc, refresh=True)
