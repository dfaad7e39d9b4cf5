"""A seeded world in which outcomes truly lag relationship investment.

Contacts are met at different months and followed up in one of three styles
(one-off, occasional, nurtured). Each month, a relationship's chance of a won
outcome follows a complementary log-log hazard in its carryover stock of
invested hours at the end of the previous month:

    cloglog(h_t) = alpha + beta * log1p(stock_{t-1} / 60)

with stock_t = stock_{t-1} * 0.5 ** (1 / half_life) + minutes_t, the same
carryover as the panel. So a first meeting alone seldom pays; sustained
investment does, months later. The true parameters go to `ground_truth.json`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import UserError
from .vocab import DEFAULT_MINUTES

FIRST_NAMES = ["Ada", "Ben", "Chloé", "Dev", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas", "Kira", "Luis",
               "Maya", "Nikos", "Olga", "Priya", "Quinn", "Rafael", "Sofia", "Tomás", "Uma", "Viktor", "Wen",
               "Xavier", "Yara", "Zoë", "Amara", "Bruno", "Carmen", "Dmitri", "Esther", "Farid", "Hannah", "Ivan",
               "Jia", "Kwame", "Lena", "Mateo", "Noor", "Oscar"]
LAST_NAMES = ["Abbott", "Bauer", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Haddad", "Ito", "Jansen",
              "Kowalski", "Larsen", "Müller", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka",
              "Umar", "Varga", "Wong", "Xu", "Yilmaz", "Zimmermann", "Novak", "Silva", "Moreau", "Lindqvist"]
COMPANIES = ["Acme Analytics", "Borealis Bank", "Cobalt Robotics", "Delta Freight", "Evergreen Health",
             "Fjord Software", "Granite Insurance", "Helix Biotech", "Ion Energy", "Juniper Retail",
             "Kestrel Media", "Lumen Labs", "Meridian Consulting", "Nimbus Cloud", "Orchid Foods",
             "Pioneer Mobility", "Quartz Capital", "Riverstone Legal", "Summit Education", "Tidal Logistics",
             "Umbra Security", "Vertex Manufacturing", "Willow Architects", "Xenon Telecom", "Yonder Travel",
             "Zephyr Aerospace", "Atlas Realty", "Beacon Pharma", "Cascade Water", "Drift Games"]
TITLES = ["CEO", "CTO", "VP Sales", "Head of Data", "Product Manager", "Engineer", "Partner", "Director",
          "Consultant", "Founder", "Procurement Lead", "Marketing Manager"]

STYLES = {
    # share of contacts, monthly chance of a touch after the first meeting, mean months kept up
    "one_off": (0.45, 0.0, 0.0),
    "occasional": (0.35, 0.18, 18.0),
    "nurtured": (0.20, 0.65, 30.0),
}
CHANNEL_MIX = {"meeting": 0.25, "call": 0.25, "email": 0.35, "message": 0.15}
OUTCOME_KINDS = {"deal": 0.7, "referral": 0.15, "introduction": 0.1, "partnership": 0.05}


@dataclass
class GroundTruth:
    """The true parameters of a simulated world."""

    half_life_months: float = 3.0
    alpha: float = -5.5
    beta: float = 2.2
    stock_scale_minutes: float = 60.0
    hazard: str = "cloglog(h_t) = alpha + beta * log1p(stock_{t-1} / stock_scale_minutes)"
    lost_per_won: float = 0.4
    contacts: int = 300
    months: int = 36
    seed: int = 0
    start: str = "2023-01-01"
    styles: dict = field(default_factory=lambda: {k: v[0] for k, v in STYLES.items()})
    default_minutes: dict = field(default_factory=lambda: dict(DEFAULT_MINUTES))


@dataclass
class World:
    contacts: pd.DataFrame
    interactions: pd.DataFrame
    outcomes: pd.DataFrame
    truth: GroundTruth
    monthly: pd.DataFrame  # contact x month: minutes, stock (end of month), hazard


def hazard(stock_minutes: np.ndarray, alpha: float, beta: float, scale: float = 60.0) -> np.ndarray:
    """Monthly outcome probability from the stock at the end of the previous month."""
    eta = alpha + beta * np.log1p(np.asarray(stock_minutes, dtype=float) / scale)
    return 1.0 - np.exp(-np.exp(eta))


def _check(contacts: int, months: int, half_life: float) -> None:
    if int(contacts) < 1:
        raise UserError(f"--contacts: must be at least 1, got {contacts}")
    if int(months) < 2:
        raise UserError(f"--months: must be at least 2, got {months}")
    if not float(half_life) > 0:
        raise UserError(f"--half-life: must be positive, got {half_life}")


def simulate_world(contacts: int = 300, months: int = 36, seed: int = 0, half_life_months: float = 3.0,
                   start: str = "2023-01-01", alpha: float = -5.5, beta: float = 2.2) -> World:
    """Simulate contacts, interactions and outcomes with a known carryover half-life.

    Examples
    --------
    >>> w = simulate_world(contacts=50, months=24, seed=1)
    >>> w.truth.half_life_months
    3.0
    """
    _check(contacts, months, half_life_months)
    rng = np.random.default_rng(seed)
    n, m = int(contacts), int(months)
    truth = GroundTruth(half_life_months=float(half_life_months), alpha=alpha, beta=beta, contacts=n, months=m,
                        seed=int(seed), start=str(start))
    start_ts = pd.Timestamp(start, tz="UTC").normalize().replace(day=1)

    people = _people(rng, n)
    style_names = list(STYLES)
    style = rng.choice(len(style_names), size=n, p=[STYLES[s][0] for s in style_names])
    # More relationships start early, so the sample has long histories as well as new ones.
    arrival = np.minimum((rng.beta(1.0, 1.6, size=n) * m).astype(int), m - 1)
    touch_p = np.array([STYLES[s][1] for s in style_names])[style]
    keep_months = rng.exponential(np.maximum([STYLES[s][2] for s in style_names], 1e-9)[style])
    inbound_p = np.where(style_names.index("nurtured") == style, 0.45, 0.3)

    decay = 0.5 ** (1.0 / truth.half_life_months)
    stock = np.zeros(n)
    rows_i, rows_o, monthly = [], [], []
    channels = np.array(list(CHANNEL_MIX))
    ch_p = np.array(list(CHANNEL_MIX.values()))
    kinds = np.array(list(OUTCOME_KINDS))
    kind_p = np.array(list(OUTCOME_KINDS.values()))
    # Group meetings (several contacts, one group_key) come from their own random stream.
    grng = np.random.default_rng([int(seed), 6])
    circle = pd.factorize(people["company"], sort=True)[0] % int(np.clip(n // 40, 2, 6))
    for t in range(m):
        met = arrival <= t
        first = arrival == t
        # Outcome this month depends on the stock at the end of last month.
        h = np.where(met, hazard(stock, alpha, beta, truth.stock_scale_minutes), 0.0)
        won = rng.random(n) < h
        lost = met & ~won & (rng.random(n) < h * truth.lost_per_won)
        active = met & ~first & ((t - arrival) <= keep_months)
        touches = np.where(first, 1, 0) + np.where(active & (rng.random(n) < touch_p), 1 + rng.poisson(0.6, n), 0)
        minutes = np.zeros(n)
        idx = np.repeat(np.arange(n), touches)
        if len(idx):
            ch = rng.choice(channels, size=len(idx), p=ch_p)
            is_first = first[idx] & (np.r_[True, idx[1:] != idx[:-1]])
            ch = np.where(is_first, "meeting", ch)
            dur = np.full(len(idx), np.nan)
            meet = ch == "meeting"
            dur[meet] = rng.choice([30, 45, 60, 90], size=int(meet.sum()))
            call = ch == "call"
            dur[call] = rng.choice([10, 15, 20, 30, 45], size=int(call.sum()))
            group = meeting_groups(grng, idx, meet, circle)
            dur = _same_within_group(group, dur).to_numpy(dtype=float)
            inv = np.where(np.isnan(dur), pd.Series(ch).map(DEFAULT_MINUTES).to_numpy(dtype=float), dur)
            np.add.at(minutes, idx, inv)
            day = rng.integers(0, 28, size=len(idx))
            secs = rng.integers(8 * 3600, 18 * 3600, size=len(idx))
            when = start_ts + pd.DateOffset(months=t)
            ts = when + pd.to_timedelta(day, unit="D") + pd.to_timedelta(secs, unit="s")
            ts = pd.DatetimeIndex(_same_within_group(group, ts))
            direction = np.where(meet, "mutual", np.where(rng.random(len(idx)) < inbound_p[idx], "inbound", "outbound"))
            rows_i.append(pd.DataFrame({"contact_id": people["contact_id"].to_numpy()[idx], "timestamp": ts,
                                        "channel": ch, "direction": direction, "duration_minutes": dur,
                                        "group_key": pd.array(np.where(group >= 0, np.char.add(f"meeting-{t}-", group.astype(str)),
                                                                       None), dtype="string")}))
        for mask, status in ((won, "won"), (lost, "lost")):
            k = int(mask.sum())
            if k:
                who = np.flatnonzero(mask)
                when = start_ts + pd.DateOffset(months=t)
                ts = when + pd.to_timedelta(rng.integers(0, 28, k), unit="D") + pd.to_timedelta(rng.integers(9, 18, k), unit="h")
                rows_o.append(pd.DataFrame({
                    "contact_id": people["contact_id"].to_numpy()[who], "account": people["company"].to_numpy()[who],
                    "timestamp": ts, "kind": rng.choice(kinds, size=k, p=kind_p), "status": status,
                    "value": np.round(rng.lognormal(8.3, 0.9, k), -1), "currency": "EUR"}))
        monthly.append(pd.DataFrame({"contact_id": people["contact_id"].to_numpy()[met], "month": t,
                                     "minutes": minutes[met], "stock_before": stock[met], "hazard": h[met]}))
        stock = stock * decay + minutes
    inter = pd.concat(rows_i, ignore_index=True).sort_values("timestamp", kind="stable").reset_index(drop=True)
    outc = (pd.concat(rows_o, ignore_index=True) if rows_o else
            pd.DataFrame(columns=["contact_id", "account", "timestamp", "kind", "status", "value", "currency"]))
    outc = outc.sort_values("timestamp", kind="stable").reset_index(drop=True)
    people["follow_up"] = np.array(style_names)[style]
    people["arrival_month"] = arrival
    return World(people, inter, outc, truth, pd.concat(monthly, ignore_index=True))


def meeting_groups(grng: np.random.Generator, contacts: np.ndarray, meet: np.ndarray, circle: np.ndarray,
                   share: float = 0.4, size: int = 3, crossover: float = 0.08) -> np.ndarray:
    """Which of one month's touches are the same group meeting: a group number, or -1.

    Meetings of contacts in one circle (companies grouped together) are taken
    `size` at a time in random order, and a `share` of those sets become one
    meeting; a `crossover` share of meetings join another circle's set, so some
    contacts bridge circles. `grng` is a separate random stream, so the rest of
    the world is drawn as without groups.
    """
    group = np.full(len(contacts), -1, dtype=np.int64)
    m = np.flatnonzero(meet)
    if m.size < 2:
        return group
    circ = circle[contacts[m]].copy()
    swap = grng.random(m.size) < crossover
    circ[swap] = grng.integers(0, int(circle.max()) + 1, int(swap.sum()))
    order = np.lexsort((grng.random(m.size), circ))
    block = circ[order]
    first_of_block = np.r_[0, np.flatnonzero(np.diff(block)) + 1]
    k = np.arange(m.size) - np.repeat(first_of_block, np.diff(np.r_[first_of_block, m.size]))
    codes, _ = pd.factorize(block * 1_000_000 + k // size)
    members = np.bincount(codes)
    chosen = grng.random(members.size) < share
    ok = chosen[codes] & (members[codes] >= 2)
    group[m[order][ok]] = codes[ok]
    return group


def _same_within_group(group: np.ndarray, values) -> pd.Series:
    """Each group member takes the value of its group's first member (a shared start or duration)."""
    out = pd.Series(values).copy()
    g = group >= 0
    if g.any():
        out[g] = out[g].groupby(group[g]).transform("first").to_numpy()
    return out


def _people(rng, n: int) -> pd.DataFrame:
    first = rng.choice(FIRST_NAMES, size=n)
    last = rng.choice(LAST_NAMES, size=n)
    company = rng.choice(COMPANIES, size=n)
    ids = [f"c{i:05d}" for i in range(n)]
    slug = [f"{f}-{l}-{i:x}".lower() for i, (f, l) in enumerate(zip(first, last))]
    domain = [c.split()[0].lower() + ".example" for c in company]
    email = [f"{s.rsplit('-', 1)[0].replace('-', '.')}.{i}@{d}" for i, (s, d) in enumerate(zip(slug, domain))]
    return pd.DataFrame({
        "contact_id": ids, "name": [f"{f} {l}" for f, l in zip(first, last)], "email": email,
        "company": company, "title": rng.choice(TITLES, size=n),
        "linkedin_url": [f"https://www.linkedin.com/in/{s}" for s in slug],
    })


def write_canonical(world: World, out) -> Path:
    """Write the world as canonical CSVs plus `ground_truth.json`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world.contacts[["contact_id", "name", "email", "company", "title", "linkedin_url"]].to_csv(out / "contacts.csv", index=False)
    inter = world.interactions.copy()
    inter["timestamp"] = inter["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    inter.to_csv(out / "interactions.csv", index=False)
    outc = world.outcomes.copy()
    outc["timestamp"] = pd.to_datetime(outc["timestamp"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    outc.to_csv(out / "outcomes.csv", index=False)
    write_truth(world, out)
    return out


def write_truth(world: World, out: Path) -> None:
    truth = asdict(world.truth)
    truth["as_of"] = (pd.Timestamp(world.truth.start, tz="UTC") + pd.DateOffset(months=world.truth.months)
                      - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    truth["counts"] = {"contacts": int(len(world.contacts)), "interactions": int(len(world.interactions)),
                       "outcomes_won": int((world.outcomes["status"] == "won").sum()) if len(world.outcomes) else 0}
    (Path(out) / "ground_truth.json").write_text(json.dumps(truth, indent=2), encoding="utf-8")


def simulate_to_folder(out, contacts=300, months=36, seed=0, half_life=3.0, fmt="canonical") -> Path:
    """What `netanalysis simulate` does."""
    from .outputs import building, publish

    if fmt not in ("canonical", "exports"):
        raise UserError(f"--format: {fmt!r} is not one of exports, canonical")
    out = Path(out)
    with building(out, "simulate") as build:
        world = simulate_world(contacts=contacts, months=months, seed=seed, half_life_months=half_life)
        if fmt == "canonical":
            write_canonical(world, build)
        else:
            from .exports import write_exports

            write_exports(world, build)
        publish(build, out, "simulate")
    return out
