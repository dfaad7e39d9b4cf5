"""How a naive reading is fooled: reverse causation and confounding, on worlds whose truth is known.

Two lessons for the classroom, each on simulated worlds (`simulate.simulate_world`):

- **Reverse causation** (world ``reverse``): outcomes fall at a constant rate, and
  a deal in progress brings meetings in the months before it is won. Counting
  the time invested "before a win" makes that time look like it pays at once.
  The event study (`eventstudy`) shows the pile-up in the last months and no
  extra time further back; a world where time truly carries over (``carryover``)
  shows no such pile-up.
- **Confounding** (world ``confounded``): better contacts are met more *and* buy
  more, while minutes themselves do nothing. Comparing contacts with one another
  (the most-met third against the least-met third) shows a large gap; comparing
  each contact only with itself (its busier months against its quieter months,
  a Mantel-Haenszel rate ratio stratified by contact) shows none. In the
  carryover world both comparisons show a gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netanalysis.analysis.returns.event_study import EventStudy, event_study, event_study_panel
from netanalysis.dataset import Dataset
from netanalysis.panel.build import build_panel
from netanalysis.simulate.world import simulate_world

LESSON_WORLDS = ("reverse", "confounded", "carryover")

RECENT_MONTHS = 3  # "busier months": more minutes in the previous 3 months than the contact's own median


def world_dataset(world) -> Dataset:
    """A simulated world as a Dataset, without writing files."""
    c = world.contacts.assign(emails=[[e] for e in world.contacts["email"]], sources=[["sim"]] * len(world.contacts),
                              first_seen=pd.NaT)
    i = world.interactions.assign(interaction_id=[f"i{k}" for k in range(len(world.interactions))], source="sim",
                                  source_row=np.arange(len(world.interactions)))
    o = world.outcomes.assign(outcome_id=[f"o{k}" for k in range(len(world.outcomes))], source="sim",
                              source_row=np.arange(len(world.outcomes)))
    return Dataset.from_frames(c, i, o, check=False)


@dataclass
class RateRatio:
    """A ratio of monthly win rates with its 95% bootstrap interval (resampling contacts) and its basis."""

    ratio: float | None
    ci: list | None
    contacts: int
    won_months: int

    def short(self) -> str:
        if self.ratio is None:
            return "not computable"
        ci = f" (95% interval {self.ci[0]:.1f} to {self.ci[1]:.1f})" if self.ci else ""
        return f"{self.ratio:.1f}×{ci}"


def _contact_months(ds) -> pd.DataFrame:
    """Contact-months after each contact's first month: minutes in the previous months, and whether a win fell."""
    p = build_panel(ds, freq="M", unit="contact")
    cum = p["cum_minutes"].to_numpy(dtype=float)
    k = p["months_since_first"].to_numpy()
    idx = np.arange(len(p))
    before = np.where(k >= 1, cum[np.maximum(idx - 1, 0)], 0.0)
    older = np.where(k >= RECENT_MONTHS + 1, cum[np.maximum(idx - RECENT_MONTHS - 1, 0)], 0.0)
    out = pd.DataFrame({"contact_id": p["contact_id"].to_numpy(), "recent": np.round(before - older, 6),
                        "won": (p["outcomes_won"].to_numpy() > 0).astype(float), "months_since_first": k,
                        "minutes": p["minutes"].to_numpy(dtype=float)})
    return out[out["months_since_first"] >= 1].reset_index(drop=True)


def _draws(n: int, n_boot: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=int(n_boot)).astype(float)


def _interval(boot: np.ndarray) -> list | None:
    boot = boot[np.isfinite(boot) & (boot > 0)]
    return [float(v) for v in np.quantile(boot, [0.025, 0.975])] if boot.size else None


def between_contacts(ds, n_boot: int = 500, seed: int = 0) -> RateRatio:
    """Naive: the monthly win rate of the most-met third of contacts over that of the least-met third.

    Contacts are ranked by their mean minutes per month over their whole history.
    """
    return _between(_contact_months(ds), n_boot, seed)


def _between(cm: pd.DataFrame, n_boot: int, seed: int) -> RateRatio:
    per = cm.groupby("contact_id").agg(minutes=("minutes", "mean"), won=("won", "sum"), months=("won", "size"))
    if len(per) < 6:
        return RateRatio(None, None, len(per), int(per["won"].sum()) if len(per) else 0)
    low, high = np.quantile(per["minutes"], [1 / 3, 2 / 3])
    top, bottom = (per["minutes"] > high).to_numpy(float), (per["minutes"] <= low).to_numpy(float)
    won, months = per["won"].to_numpy(float), per["months"].to_numpy(float)
    draws = _draws(len(per), n_boot, seed)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (won @ top / (months @ top)) / (won @ bottom / (months @ bottom))
        boot = ((draws @ (won * top)) / (draws @ (months * top))) / ((draws @ (won * bottom)) / (draws @ (months * bottom)))
    ok = np.isfinite(ratio) and ratio > 0
    return RateRatio(float(ratio) if ok else None, _interval(boot) if ok else None, len(per), int(won.sum()))


def within_contacts(ds, n_boot: int = 500, seed: int = 0) -> RateRatio:
    """Honest: each contact's busier months against its own quieter months (Mantel-Haenszel rate ratio).

    A month is *busier* when the minutes of the previous months exceed the
    contact's own median; contacts whose months never differ drop out. Stratified
    by contact, so whatever makes one contact both met more and buying more
    cancels out: ``sum a_i n0_i / N_i / sum b_i n1_i / N_i`` with wins a_i / b_i
    in n1_i busier / n0_i quieter months.
    """
    return _within(_contact_months(ds), n_boot, seed)


def _within(cm: pd.DataFrame, n_boot: int, seed: int) -> RateRatio:
    median = cm.groupby("contact_id")["recent"].transform("median")
    cm = cm.assign(busy=(cm["recent"] > median).astype(float))
    per = cm.assign(a=cm["won"] * cm["busy"], b=cm["won"] * (1 - cm["busy"]), n0=1 - cm["busy"]).groupby(
        "contact_id").agg(a=("a", "sum"), b=("b", "sum"), n1=("busy", "sum"), n0=("n0", "sum"))
    per = per[(per["n1"] > 0) & (per["n0"] > 0)]
    if per.empty:
        return RateRatio(None, None, 0, 0)
    n = (per["n1"] + per["n0"]).to_numpy(float)
    num, den = (per["a"] * per["n0"]).to_numpy(float) / n, (per["b"] * per["n1"]).to_numpy(float) / n
    draws = _draws(len(per), n_boot, seed)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = num.sum() / den.sum() if den.sum() > 0 else np.nan
        boot = (draws @ num) / (draws @ den)
    ok = np.isfinite(ratio) and ratio > 0
    return RateRatio(float(ratio) if ok else None, _interval(boot) if ok else None, len(per),
                     int((per["a"] + per["b"]).sum()))


@dataclass
class ReverseLesson:
    """The reverse-causation lesson: the naive 'time before a win' and the event studies of two worlds."""

    naive_before_win: float  # mean minutes per month in the 2 months before a win, reverse world
    naive_typical: float  # the same contacts' mean minutes in months far from wins
    reverse: EventStudy
    carryover: EventStudy


def _worlds(names, contacts, months, seed, given: dict | None) -> dict:
    """Datasets of the named worlds (same size and seed), reusing those in `given`."""
    given = dict(given or {})
    for world in names:
        if world not in given:
            given[world] = world_dataset(simulate_world(contacts=contacts, months=months, seed=seed, world=world))
    return given


def lesson_worlds(contacts: int = 300, months: int = 36, seed: int = 0) -> dict:
    """The three worlds the lessons use (reverse, confounded, carryover), simulated once, as Datasets."""
    return _worlds(LESSON_WORLDS, contacts, months, seed, None)


def reverse_causation_lesson(contacts: int = 300, months: int = 36, seed: int = 0, n_boot: int = 300,
                             worlds: dict | None = None) -> ReverseLesson:
    """Event studies of a reverse-causation world and a carryover world of the same size and seed.

    `worlds` may hold Datasets already simulated (by world name), so two lessons can share one.
    """
    data = _worlds(("reverse", "carryover"), contacts, months, seed, worlds)
    studies = {w: event_study(*event_study_panel(data[w]), window=6, n_boot=n_boot, seed=seed)
               for w in ("reverse", "carryover")}
    t = studies["reverse"].table.set_index("event_month")
    return ReverseLesson(float(t.loc[[-2, -1], "minutes"].mean()), float(studies["reverse"].baseline["minutes"]),
                         studies["reverse"], studies["carryover"])


def confounding_lesson(contacts: int = 300, months: int = 36, seed: int = 0, n_boot: int = 300,
                       worlds: dict | None = None) -> pd.DataFrame:
    """Between- and within-contact rate ratios in a confounded world and a carryover world.

    One row per world: `world`, `time_drives_outcomes` (the simulator's truth),
    `between` / `within` (RateRatio), and their ratios and intervals as numbers.
    """
    from netanalysis.simulate.world import CAUSAL_WORLDS

    data = _worlds(("confounded", "carryover"), contacts, months, seed, worlds)
    rows = []
    for world in ("confounded", "carryover"):
        cm = _contact_months(data[world])
        b, wi = _between(cm, n_boot, seed), _within(cm, n_boot, seed)
        rows.append({"world": world, "time_drives_outcomes": world in CAUSAL_WORLDS, "between": b, "within": wi,
                     "between_ratio": b.ratio, "between_low": b.ci[0] if b.ci else None,
                     "between_high": b.ci[1] if b.ci else None, "within_ratio": wi.ratio,
                     "within_low": wi.ci[0] if wi.ci else None, "within_high": wi.ci[1] if wi.ci else None})
    return pd.DataFrame(rows).set_index("world")


def describe_reverse_lesson(lesson: ReverseLesson) -> str:
    """What the naive reading says, and what the event study shows instead."""
    r, c = lesson.reverse, lesson.carryover
    ratio = lesson.naive_before_win / lesson.naive_typical if lesson.naive_typical > 0 else float("nan")
    return (f"**Naive reading:** in the two months before a win, contacts got **{lesson.naive_before_win:.0f}** minutes a "
            f"month, {ratio:.1f} times their usual **{lesson.naive_typical:.0f}**: time just before a win seems to pay "
            f"at once. **What is true here:** wins came at a constant rate, and each deal in progress brought its own "
            f"meetings. The event study shows it: the last two months hold {r.near_to_far:.1f} times the minutes of "
            f"months 4 to 6 before (95% interval {r.near_to_far_ci[0]:.1f} to {r.near_to_far_ci[1]:.1f}). In a world "
            f"where time truly carries over, that ratio is {c.near_to_far:.1f} ({c.near_to_far_ci[0]:.1f} to "
            f"{c.near_to_far_ci[1]:.1f}): no last-minute pile-up.")


def _gap(r: RateRatio) -> str:
    """'no clear gap' when the interval holds 1, else 'a gap'."""
    if r.ratio is None or r.ci is None:
        return "nothing to compare"
    return "no clear gap (the interval includes 1)" if r.ci[0] <= 1 <= r.ci[1] else "a gap"


def describe_confounding_lesson(table: pd.DataFrame) -> str:
    """What comparing contacts says, and what comparing each contact with itself says, in both worlds."""
    c, k = table.loc["confounded"], table.loc["carryover"]
    return (f"**Naive reading:** in the confounded world, the most-met third of contacts win "
            f"**{c['between'].short()}** as often per month as the least-met third, so more meetings seem to bring "
            f"more wins. **What is true here:** better contacts are met more and buy more; the minutes do nothing. "
            f"Comparing each contact only with itself, busier months win **{c['within'].short()}** as often as quieter "
            f"ones: {_gap(c['within'])}. In the carryover world, where time does count, the comparison between "
            f"contacts gives {k['between'].short()} and the one within contacts {k['within'].short()}: "
            f"{_gap(k['within'])}.")


def lesson_metrics(reverse: ReverseLesson, confounding: pd.DataFrame) -> dict:
    """summary.json entries of the two lessons (ratios with `_ci`; None where not computable)."""
    m = {"fooled_reverse_minutes_before_win": reverse.naive_before_win,
         "fooled_reverse_minutes_typical": reverse.naive_typical}
    for world, study in (("reverse", reverse.reverse), ("carryover", reverse.carryover)):
        m[f"fooled_{world}_near_to_far_ratio"] = study.near_to_far
        m[f"fooled_{world}_near_to_far_ratio_ci"] = study.near_to_far_ci
    for world in confounding.index:
        for design in ("between", "within"):
            r = confounding.at[world, design]
            m[f"fooled_{world}_{design}_contacts_ratio"] = r.ratio
            m[f"fooled_{world}_{design}_contacts_ratio_ci"] = r.ci
            m[f"fooled_{world}_{design}_contacts_ratio_n"] = r.contacts
    return m
