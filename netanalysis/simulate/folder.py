"""`netanalysis simulate`: a world written into an output folder, as canonical CSV or as real exports."""

from __future__ import annotations

from pathlib import Path

from netanalysis.errors import UserError
from netanalysis.outputs import building, publish
from netanalysis.simulate.exports import write_exports
from netanalysis.simulate.world import simulate_world, write_canonical


def simulate_to_folder(out, contacts=300, months=36, seed=0, half_life=3.0, fmt="canonical", world="carryover",
                       lag_peak=6.0, dose="log1p", baseline_sd=0.0) -> Path:
    """What `netanalysis simulate` does."""
    if fmt not in ("canonical", "exports"):
        raise UserError(f"--format: {fmt!r} is not one of exports, canonical")
    out = Path(out)
    with building(out, "simulate") as build:
        world = simulate_world(contacts=contacts, months=months, seed=seed, half_life_months=half_life, world=world,
                               lag_peak_months=lag_peak, dose=dose, baseline_sd=baseline_sd)
        if fmt == "canonical":
            write_canonical(world, build)
        else:
            write_exports(world, build)
        publish(build, out, "simulate")
    return out
