"""Seeded worlds with a known truth about time invested and outcomes.

Contacts are met at different months and followed up in one of three styles
(one-off, occasional, nurtured). Each month, a relationship's chance of a won
outcome follows a complementary log-log hazard. The `world` says what drives it:

- ``carryover`` (default): the carryover stock of invested minutes at the end of
  the previous month, ``cloglog(h_t) = alpha + beta * log1p(stock_{t-1} / 60)``
  with ``stock_t = stock_{t-1} * 0.5 ** (1 / half_life) + minutes_t`` (the
  panel's carryover). ``dose="linear"`` uses ``beta * stock / 60`` instead, and
  ``baseline_sd`` gives each contact its own baseline (a random intercept).
- ``delayed``: a month's minutes count most ``lag_peak_months`` later and
  hardly at all in the first two or three months (a gamma-shaped kernel).
- ``null``: a constant hazard; outcomes are independent of time invested.
- ``reverse``: outcomes fall at random (constant hazard), and meetings and calls
  are added in the one or two months before each win: a deal in progress
  drives meetings, not the other way round.
- ``confounded``: a hidden quality of each contact raises both how often they
  are met and their hazard; minutes themselves do nothing.

The truth (world, hazard form, whether a causal link exists, the half-life or
lag peak) goes to `ground_truth.json`. The default world draws exactly the same
random stream as before the other worlds existed; the extra draws of the other
worlds and options come from separate streams.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from netanalysis.errors import UserError
from netanalysis.io.vocabulary import DEFAULT_MINUTES

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
WORLDS = ("carryover", "null", "reverse", "confounded", "delayed")
# Worlds where time invested drives the hazard, and their default alpha; the others use a
# constant hazard of about 1% a month, close to the carryover world's average.
CAUSAL_WORLDS = ("carryover", "delayed")
NO_LINK_ALPHA = -4.6
HAZARD_FORMS = {
    "carryover": "cloglog(h_t) = alpha{u} + beta * {dose}(stock_{{t-1}} / stock_scale_minutes)",
    "delayed": "cloglog(h_t) = alpha{u} + beta * {dose}(sum_d w(d) minutes_{{t-d}} / stock_scale_minutes), "
               "w(d) = exp(lag_sharpness * (log(d / lag_peak_months) - d / lag_peak_months + 1))",
    "null": "cloglog(h_t) = alpha",
    "reverse": "cloglog(h_t) = alpha; meetings and calls added in the reverse_months before each win",
    "confounded": "cloglog(h_t) = alpha + quality_effect * q_i; touch chance rises with q_i ~ N(0, 1)",
}


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
    world: str = "carryover"
    causal_link: bool = True
    dose: str = "log1p"
    baseline_sd: float = 0.0
    lag_peak_months: float | None = None
    lag_sharpness: float | None = None
    reverse_months: list | None = None
    quality_effect: float | None = None


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


def delayed_kernel(lag_peak_months: float, sharpness: float, months: int) -> np.ndarray:
    """Weights w[d] of minutes invested d months earlier (w[0] = 0), peaking at 1 when d = lag_peak_months.

    Examples
    --------
    >>> w = delayed_kernel(6, 12.0, 24)
    >>> int(np.argmax(w)), round(float(w[6]), 3), float(w[2]) < 0.01
    (6, 1.0, True)
    """
    d = np.arange(int(months) + 1, dtype=float)
    w = np.zeros_like(d)
    r = d[1:] / float(lag_peak_months)
    w[1:] = np.exp(float(sharpness) * (np.log(r) - r + 1.0))
    return w


def _dose(x: np.ndarray, dose: str) -> np.ndarray:
    return np.log1p(x) if dose == "log1p" else x


def _check(contacts: int, months: int, half_life: float) -> None:
    if int(contacts) < 1:
        raise UserError(f"--contacts: must be at least 1, got {contacts}")
    if int(months) < 2:
        raise UserError(f"--months: must be at least 2, got {months}")
    if not float(half_life) > 0:
        raise UserError(f"--half-life: must be positive, got {half_life}")


def _truth(world, n, m, seed, start, half_life_months, alpha, beta, dose, baseline_sd, lag_peak_months,
           lag_sharpness, quality_effect) -> GroundTruth:
    if world not in WORLDS:
        raise UserError(f"--world: {world!r} is not one of {', '.join(WORLDS)}")
    if dose not in ("log1p", "linear"):
        raise UserError(f"dose: {dose!r} is not one of log1p, linear")
    if not float(lag_peak_months) >= 1:
        raise UserError(f"--lag-peak: must be at least 1 month, got {lag_peak_months}")
    causal = world in CAUSAL_WORLDS
    if alpha is None:
        alpha = -5.5 if causal else NO_LINK_ALPHA
    if beta is None:
        beta = (2.2 if dose == "log1p" else 0.8) if causal else 0.0
    t = GroundTruth(half_life_months=float(half_life_months), alpha=float(alpha), beta=float(beta), contacts=n,
                    months=m, seed=int(seed), start=str(start), world=world, causal_link=causal, dose=dose,
                    baseline_sd=float(baseline_sd), hazard=HAZARD_FORMS[world].format(dose=dose, u=" + u_i" if baseline_sd > 0 else ""))
    if world != "carryover":
        t.half_life_months = None
    if world == "delayed":
        t.lag_peak_months, t.lag_sharpness = float(lag_peak_months), float(lag_sharpness)
    if world == "reverse":
        t.reverse_months = [1, 2]
    if world == "confounded":
        t.quality_effect = float(quality_effect)
    return t


def simulate_world(contacts: int = 300, months: int = 36, seed: int = 0, half_life_months: float = 3.0,
                   start: str = "2023-01-01", alpha: float | None = None, beta: float | None = None,
                   world: str = "carryover", dose: str = "log1p", baseline_sd: float = 0.0,
                   lag_peak_months: float = 6.0, lag_sharpness: float = 12.0, quality_effect: float = 1.0) -> World:
    """Simulate contacts, interactions and outcomes with a known truth.

    Parameters
    ----------
    world : one of ``WORLDS`` (see the module docstring).
    alpha, beta : hazard intercept and slope; by default -5.5 and 2.2 (0.8 for a linear dose)
        where time drives outcomes, and a constant hazard of about 1% a month otherwise.
    dose : ``"log1p"`` or ``"linear"`` in stock / 60 minutes.
    baseline_sd : standard deviation of each contact's own baseline (carryover and delayed worlds).
    lag_peak_months, lag_sharpness : the delayed world's kernel (`delayed_kernel`).
    quality_effect : the confounded world's log hazard ratio per standard deviation of hidden quality.

    Examples
    --------
    >>> w = simulate_world(contacts=50, months=24, seed=1)
    >>> w.truth.half_life_months, w.truth.world, w.truth.causal_link
    (3.0, 'carryover', True)
    """
    _check(contacts, months, half_life_months)
    rng = np.random.default_rng(seed)
    n, m = int(contacts), int(months)
    truth = _truth(world, n, m, seed, start, half_life_months, alpha, beta, dose, baseline_sd, lag_peak_months,
                   lag_sharpness, quality_effect)
    alpha, beta = truth.alpha, truth.beta
    start_ts = pd.Timestamp(start, tz="UTC").normalize().replace(day=1)

    people = _people(rng, n)
    # Extra draws of the other worlds come from their own stream, so the default world is unchanged.
    xrng = np.random.default_rng([int(seed), 11])
    style, arrival, touch_p, keep_months, inbound_p, offset = _contact_traits(rng, xrng, truth, n, m)
    prewon = _random_wins(xrng, arrival, m, alpha) if world == "reverse" else None
    kernel = delayed_kernel(lag_peak_months, lag_sharpness, m) if world == "delayed" else None
    history = np.zeros((n, m))

    decay = 0.5 ** (1.0 / half_life_months)
    stock = np.zeros(n)
    rows_i, rows_o, monthly = [], [], []
    # Group meetings (several contacts, one group_key) come from their own random stream.
    grng = np.random.default_rng([int(seed), 6])
    circle = pd.factorize(people["company"], sort=True)[0] % int(np.clip(n // 40, 2, 6))
    ids, companies = people["contact_id"].to_numpy(), people["company"].to_numpy()
    for t in range(m):
        met = arrival <= t
        first = arrival == t
        # Outcome this month depends on the stock at the end of last month.
        h = np.where(met, _monthly_hazard(truth, dose, stock, history[:, :t], kernel, offset), 0.0)
        won = rng.random(n) < h
        if prewon is not None:
            won = prewon[:, t]
        lost = met & ~won & (rng.random(n) < h * truth.lost_per_won)
        active = met & ~first & ((t - arrival) <= keep_months)
        touches = np.where(first, 1, 0) + np.where(active & (rng.random(n) < touch_p), 1 + rng.poisson(0.6, n), 0)
        extra = _before_wins(xrng, prewon, t, met & ~first) if prewon is not None else np.zeros(n, dtype=int)
        touches = touches + extra
        minutes, columns = _month_interactions(rng, xrng, grng, t, touches, extra, first, ids, circle, inbound_p,
                                               start_ts)
        if columns is not None:
            rows_i.append(columns)
        rows_o += _month_outcomes(rng, t, won, lost, ids, companies, start_ts)
        monthly.append({"contact_id": ids[met], "month": np.full(int(met.sum()), t),
                        "minutes": minutes[met], "stock_before": stock[met], "hazard": h[met]})
        stock = stock * decay + minutes
        history[:, t] = minutes
    inter = _frame(rows_i).sort_values("timestamp", kind="stable").reset_index(drop=True)
    outc = (_frame(rows_o) if rows_o else
            pd.DataFrame(columns=["contact_id", "account", "timestamp", "kind", "status", "value", "currency"]))
    outc = outc.sort_values("timestamp", kind="stable").reset_index(drop=True)
    people["follow_up"] = np.array(list(STYLES))[style]
    people["arrival_month"] = arrival
    return World(people, inter, outc, truth, _frame(monthly))


def _frame(months: list[dict]) -> pd.DataFrame:
    """One frame of the months' columns, one after the other (one frame built once, not one per month)."""
    return pd.DataFrame({k: _stacked([m[k] for m in months]) for k in months[0]})


def _stacked(parts: list):
    """The parts of one column end to end, keeping their kind (times with their zone, pandas strings)."""
    first = parts[0]
    if isinstance(first, pd.Index):
        return first.append(parts[1:])
    if isinstance(first, pd.api.extensions.ExtensionArray):
        return type(first)._concat_same_type(parts)
    return np.concatenate(parts)


def _contact_traits(rng, xrng, truth, n: int, m: int):
    """Each contact's style-driven habits and own baseline.

    Returns ``(style, arrival, touch_p, keep_months, inbound_p, offset)``: the
    index of each contact's style in `STYLES`, the month
    the relationship starts, the monthly chance of a touch, how many months it
    is kept up, the share of inbound touches, and the contact's log hazard
    offset (its baseline, or its hidden quality in the confounded world).
    """
    style_names = list(STYLES)
    style = rng.choice(len(style_names), size=n, p=[STYLES[s][0] for s in style_names])
    # More relationships start early, so the sample has long histories as well as new ones.
    arrival = np.minimum((rng.beta(1.0, 1.6, size=n) * m).astype(int), m - 1)
    touch_p = np.array([STYLES[s][1] for s in style_names])[style]
    keep_months = rng.exponential(np.maximum([STYLES[s][2] for s in style_names], 1e-9)[style])
    inbound_p = np.where(style_names.index("nurtured") == style, 0.45, 0.3)
    offset = xrng.normal(0.0, truth.baseline_sd, n) if truth.baseline_sd > 0 else np.zeros(n)
    if truth.world == "confounded":
        quality = xrng.normal(0.0, 1.0, n)
        offset = truth.quality_effect * quality
        touch_p = 1.0 - (1.0 - touch_p) ** np.exp(1.5 * quality)
        keep_months = keep_months * np.exp(quality)
    return style, arrival, touch_p, keep_months, inbound_p, offset


def _monthly_hazard(truth, dose: str, stock: np.ndarray, past: np.ndarray, kernel, offset: np.ndarray) -> np.ndarray:
    """Each contact's chance of a won outcome this month, from the stock at the end of last month.

    `past` holds the minutes of the months so far (the delayed world's kernel weighs them).
    """
    alpha, beta, scale = truth.alpha, truth.beta, truth.stock_scale_minutes
    if truth.world == "carryover":
        if dose == "log1p":
            return hazard(stock, alpha + offset, beta, scale)
        return 1.0 - np.exp(-np.exp(alpha + offset + beta * stock / scale))
    if truth.world == "delayed":
        t = past.shape[1]
        signal = past[:, ::-1] @ kernel[1:t + 1] / scale
        return 1.0 - np.exp(-np.exp(alpha + offset + beta * _dose(signal, dose)))
    return 1.0 - np.exp(-np.exp(alpha + offset))


def _month_interactions(rng, xrng, grng, t: int, touches: np.ndarray, extra: np.ndarray, first: np.ndarray,
                        contact_ids: np.ndarray, circle: np.ndarray, inbound_p: np.ndarray, start_ts):
    """Month `t`'s invested minutes by contact and its interactions' columns (None when there are none).

    A contact's first touch is a meeting; the reverse world's `extra` touches
    before a win are meetings or calls. Draws in a fixed order from the three
    streams, so a seed gives the same world.
    """
    n = len(touches)
    minutes = np.zeros(n)
    idx = np.repeat(np.arange(n), touches)
    if not len(idx):
        return minutes, None
    channels = np.array(list(CHANNEL_MIX))
    ch = rng.choice(channels, size=len(idx), p=np.array(list(CHANNEL_MIX.values())))
    is_first = first[idx] & (np.r_[True, idx[1:] != idx[:-1]])
    ch = np.where(is_first, "meeting", ch)
    if extra.any():
        pos = np.arange(len(idx)) - np.repeat(np.cumsum(touches) - touches, touches)
        is_extra = pos >= (touches - extra)[idx]
        ch = np.where(is_extra, xrng.choice(np.array(["meeting", "call"]), size=len(idx)), ch)
    dur = np.full(len(idx), np.nan)
    meet = ch == "meeting"
    dur[meet] = rng.choice([30, 45, 60, 90], size=int(meet.sum()))
    call = ch == "call"
    dur[call] = rng.choice([10, 15, 20, 30, 45], size=int(call.sum()))
    group = meeting_groups(grng, idx, meet, circle)
    shared = _group_first(group)
    dur = dur[shared]
    inv = np.where(np.isnan(dur), _default_minutes(ch), dur)
    np.add.at(minutes, idx, inv)
    day = rng.integers(0, 28, size=len(idx))
    secs = rng.integers(8 * 3600, 18 * 3600, size=len(idx))
    when = start_ts + pd.DateOffset(months=t)
    ts = when + pd.to_timedelta(day, unit="D") + pd.to_timedelta(secs, unit="s")
    ts = ts[shared]
    direction = np.where(meet, "mutual", np.where(rng.random(len(idx)) < inbound_p[idx], "inbound", "outbound"))
    return minutes, {
        "contact_id": contact_ids[idx], "timestamp": ts, "channel": ch, "direction": direction,
        "duration_minutes": dur,
        "group_key": pd.array(np.where(group >= 0, np.char.add(f"meeting-{t}-", group.astype(str)), None),
                              dtype="string")}


def _month_outcomes(rng, t: int, won: np.ndarray, lost: np.ndarray, ids: np.ndarray, companies: np.ndarray,
                    start_ts) -> list:
    """Month `t`'s won and lost outcomes, the columns of each kind that happened."""
    kinds = np.array(list(OUTCOME_KINDS))
    kind_p = np.array(list(OUTCOME_KINDS.values()))
    frames = []
    for mask, status in ((won, "won"), (lost, "lost")):
        k = int(mask.sum())
        if k:
            who = np.flatnonzero(mask)
            when = start_ts + pd.DateOffset(months=t)
            ts = when + pd.to_timedelta(rng.integers(0, 28, k), unit="D") + pd.to_timedelta(rng.integers(9, 18, k), unit="h")
            frames.append({
                "contact_id": ids[who], "account": companies[who],
                "timestamp": ts, "kind": rng.choice(kinds, size=k, p=kind_p), "status": np.full(k, status, dtype=object),
                "value": np.round(rng.lognormal(8.3, 0.9, k), -1), "currency": np.full(k, "EUR", dtype=object)})
    return frames


def _random_wins(xrng: np.random.Generator, arrival: np.ndarray, months: int, alpha: float) -> np.ndarray:
    """Contact x month wins at a constant hazard from each contact's first meeting on (reverse world)."""
    h = 1.0 - np.exp(-np.exp(alpha))
    met = np.arange(months)[None, :] >= arrival[:, None]
    return met & (xrng.random((len(arrival), months)) < h)


def _before_wins(xrng: np.random.Generator, prewon: np.ndarray, t: int, can_touch: np.ndarray) -> np.ndarray:
    """Extra meetings and calls this month for contacts with a win in one or two months (reverse world)."""
    soon = prewon[:, t + 1:t + 3].any(axis=1) & can_touch
    return np.where(soon, 1 + xrng.poisson(1.0, len(soon)), 0)


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


def _group_first(group: np.ndarray) -> np.ndarray:
    """Where each touch takes its values from: its group's first member (a shared start or duration), or itself."""
    source = np.arange(len(group))
    members = np.flatnonzero(group >= 0)
    if len(members):
        _, first, which = np.unique(group[members], return_index=True, return_inverse=True)
        source[members] = members[first[which]]
    return source


def _default_minutes(channels: np.ndarray) -> np.ndarray:
    """Each channel's `DEFAULT_MINUTES` (NaN for a channel without one)."""
    names, which = np.unique(channels, return_inverse=True)
    return np.array([DEFAULT_MINUTES.get(c, np.nan) for c in names], dtype=float)[which]


def _people(rng, n: int) -> pd.DataFrame:
    first = rng.choice(FIRST_NAMES, size=n)
    last = rng.choice(LAST_NAMES, size=n)
    company = rng.choice(COMPANIES, size=n)
    ids = [f"c{i:05d}" for i in range(n)]
    slug = [f"{f}-{s}-{i:x}".lower() for i, (f, s) in enumerate(zip(first, last))]
    domain = [c.split()[0].lower() + ".example" for c in company]
    email = [f"{s.rsplit('-', 1)[0].replace('-', '.')}.{i}@{d}" for i, (s, d) in enumerate(zip(slug, domain))]
    return pd.DataFrame({
        "contact_id": ids, "name": [f"{f} {s}" for f, s in zip(first, last)], "email": email,
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
