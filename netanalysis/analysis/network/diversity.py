"""Diversity of the network: how evenly invested time is spread across companies or sources.

The measure is the Shannon entropy, in bits, of the shares of invested minutes:
``H = -sum p_k log2 p_k``. Zero means all the time went to one company; one bit
is an even split between two; ``2 ** H`` is the *effective number* of
companies (as many equally weighted companies would give the same entropy).
Contacts with no known company are left out and their share of minutes reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netanalysis.analysis.network.ranks import spearman_rows
from netanalysis.dates import as_timestamp, month_ordinal, ordinal_to_timestamp
from netanalysis.io.vocabulary import invested_minutes

GROUPINGS = ("company", "source")


def shannon_entropy_bits(weights) -> float:
    """Shannon entropy (bits) of the shares of non-negative `weights`; NaN when they sum to 0.

    >>> shannon_entropy_bits([1, 1, 2])
    1.5
    """
    w = np.asarray(weights, dtype=float)
    w = w[w > 0]
    if w.size == 0:
        return float("nan")
    p = w / w.sum()
    return float(-(p * np.log2(p)).sum() + 0.0)


def _entropy_rows(matrix: np.ndarray) -> np.ndarray:
    """Row-wise Shannon entropy (bits) of a non-negative matrix; NaN for all-zero rows."""
    total = matrix.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(total > 0, matrix / np.where(total > 0, total, 1), 0.0)
        terms = np.where(p > 0, -p * np.log2(np.where(p > 0, p, 1)), 0.0)
    h = terms.sum(axis=1) + 0.0
    return np.where(total[:, 0] > 0, h, np.nan)


def _groups(ds, inter: pd.DataFrame, by: str) -> pd.Series:
    if by == "company":
        company = ds.contacts.set_index("contact_id")["company"].astype("string").str.strip()
        # Each distinct contact is looked up once: far fewer contacts than interactions.
        codes, contacts = pd.factorize(inter["contact_id"])
        per_contact = company.reindex(contacts).array
        g = pd.Series(per_contact.take(codes, allow_fill=True), index=inter.index, dtype="string", name="contact_id")
        return g.mask(g == "", pd.NA)
    if by == "source":
        return inter["source"].astype("string")
    raise ValueError(f"by: {by!r} is not one of {', '.join(GROUPINGS)}")


def diversity_over_time(ds, as_of: pd.Timestamp | None = None, by: str = "company",
                        window_months: int = 12) -> pd.DataFrame:
    """For each month, the entropy of minutes across `by` over the `window_months` ending with it.

    Columns: `period`, `entropy_bits`, `effective_number` (2 ** entropy), `groups`
    (with minutes in the window), `minutes` (known group), `unknown_share`
    (share of the window's minutes whose group is unknown).
    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    inter = ds.interactions[ds.interactions["timestamp"] <= cut]
    cols = ["period", "entropy_bits", "effective_number", "groups", "minutes", "unknown_share"]
    if inter.empty:
        return pd.DataFrame(columns=cols)
    minutes = invested_minutes(inter).to_numpy()
    group = _groups(ds, inter, by)
    month = month_ordinal(inter["timestamp"])
    first, last = int(month.min()), int(month_ordinal(pd.Series([cut]))[0])
    row = month - first
    n_months = last - first + 1
    known = group.notna().to_numpy()
    codes, uniques = pd.factorize(group[known])
    grid = np.zeros((n_months, len(uniques)))
    np.add.at(grid, (row[known], codes), minutes[known])
    unknown = np.bincount(row[~known], weights=minutes[~known], minlength=n_months)
    w = int(window_months)
    rolled = np.cumsum(grid, axis=0)
    rolled[w:] = rolled[w:] - rolled[:-w]
    unk = np.cumsum(unknown)
    unk[w:] = unk[w:] - unk[:-w]
    h = _entropy_rows(rolled)
    total_known = rolled.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        unknown_share = np.where(total_known + unk > 0, unk / (total_known + unk), np.nan)
    return pd.DataFrame({
        "period": ordinal_to_timestamp(np.arange(first, last + 1)), "entropy_bits": h, "effective_number": 2.0 ** h,
        "groups": (rolled > 1e-9).sum(axis=1), "minutes": total_known, "unknown_share": unknown_share,
    })


def network_diversity(ds, as_of: pd.Timestamp | None = None, by: str = "company", window_months: int = 12,
                      n_boot: int = 1000, seed: int = 0) -> dict:
    """Entropy (bits) of minutes across `by` in the `window_months` before `as_of`, with a contact bootstrap.

    Returns a dict: `entropy_bits`, `ci` ([low, high], a leave-one-contact-out
    jackknife: how much the figure rests on single contacts; the plug-in entropy
    is biased under the bootstrap, which would give intervals beside the estimate),
    `effective_number`, `groups`, `contacts`, `unknown_share`, `note` (why it is
    None, when it is).
    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    start = cut - pd.DateOffset(months=int(window_months))
    inter = ds.interactions[(ds.interactions["timestamp"] > start) & (ds.interactions["timestamp"] <= cut)]
    out = {"entropy_bits": None, "ci": None, "effective_number": None, "groups": 0, "contacts": 0,
           "unknown_share": None, "note": None}
    if inter.empty:
        out["note"] = f"no interactions in the {window_months} months before the as-of date"
        return out
    minutes = invested_minutes(inter)
    group = _groups(ds, inter, by)
    known = group.notna()
    out["unknown_share"] = float(minutes[~known].sum() / minutes.sum()) if minutes.sum() > 0 else None
    if not known.any():
        out["note"] = f"no contact met in the {window_months} months before the as-of date has a known {by}"
        return out
    per_contact = pd.DataFrame({"contact_id": inter.loc[known, "contact_id"], "group": group[known],
                                "minutes": minutes[known]}).groupby(["contact_id", "group"], sort=True)["minutes"].sum()
    by_group = per_contact.groupby(level="group").sum()
    h = shannon_entropy_bits(by_group.to_numpy())
    out.update(entropy_bits=h, effective_number=2.0 ** h, groups=int((by_group > 0).sum()),
               contacts=int(per_contact.index.get_level_values("contact_id").nunique()))
    out["ci"] = _jackknife_ci(per_contact, h)
    return out


def _jackknife_ci(per_contact: pd.Series, h: float, z: float = 1.959964) -> list[float] | None:
    """95% jackknife interval of the entropy, leaving out one contact at a time (vectorised).

    With group totals m_g, total T and S = sum m_g log2 m_g, H = log2 T - S / T.
    Leaving out contact i (minutes x_ig) changes only its groups' terms.
    """
    contacts = per_contact.index.get_level_values("contact_id")
    n = contacts.nunique()
    if n < 2:
        return None
    groups = per_contact.index.get_level_values("group")
    m_g = per_contact.groupby(level="group").sum()
    total = float(m_g.sum())
    xlog = lambda v: np.where(v > 0, v * np.log2(np.where(v > 0, v, 1.0)), 0.0)  # noqa: E731
    s_all = float(xlog(m_g.to_numpy()).sum())
    m = m_g.reindex(groups).to_numpy()
    x = per_contact.to_numpy()
    delta = pd.Series(xlog(m) - xlog(np.maximum(m - x, 0.0))).groupby(contacts.to_numpy()).sum()
    t_i = pd.Series(x).groupby(contacts.to_numpy()).sum()
    rest = total - t_i.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        h_i = np.where(rest > 0, np.log2(np.where(rest > 0, rest, 1.0)) - (s_all - delta.reindex(t_i.index).to_numpy()) / np.where(rest > 0, rest, 1.0), 0.0)
    se = float(np.sqrt((n - 1) / n * ((h_i - h_i.mean()) ** 2).sum()))
    return [max(0.0, h - z * se), h + z * se]


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    return float(spearman_rows(x, y)[0])


def _block_bootstrap(xs: np.ndarray, ys: np.ndarray, block_months: int, n_boot: int, seed: int) -> list | None:
    """95% moving-block bootstrap interval of the Spearman correlation (neighbouring months share windows)."""
    rng = np.random.default_rng(seed)
    n, b = len(xs), max(1, min(block_months, len(xs) // 2))
    starts = rng.integers(0, n - b + 1, size=(n_boot, int(np.ceil(n / b))))
    pick = (starts[:, :, None] + np.arange(b)).reshape(n_boot, -1)[:, :n]
    rhos = spearman_rows(xs[pick], ys[pick])
    rhos = rhos[np.isfinite(rhos)]
    return [float(v) for v in np.quantile(rhos, [0.025, 0.975])] if rhos.size else None


def shift_p_value(x: np.ndarray, y: np.ndarray, min_shift: int = 3) -> float | None:
    """Two-sided p-value of Spearman(x, y) against circular shifts of `y` (each series keeps its autocorrelation).

    Months next to each other share most of their windows, so the months are not
    independent; shifting one series against the other by `min_shift` months or
    more breaks any link while keeping how smooth each series is. Returns the
    share of shifts (and the observed pairing) with a correlation at least as far
    from 0 as the observed one; None when fewer than 19 shifts are possible.
    """
    n = len(x)
    shifts = [s for s in range(1, n) if min(s, n - s) >= int(min_shift)]
    if len(shifts) < 19:
        return None
    observed = abs(_spearman(x, y))
    null = np.array([abs(_spearman(x, np.roll(y, s))) for s in shifts])
    null = null[np.isfinite(null)]
    return float((1 + (null >= observed - 1e-12).sum()) / (1 + null.size))


def diversity_and_outcomes(ds, over_time: pd.DataFrame, as_of: pd.Timestamp | None = None, ahead_months: int = 6,
                           block_months: int = 12, n_boot: int = 1000, seed: int = 0) -> dict:
    """Spearman correlation between changes in diversity and in won outcomes of the next `ahead_months`.

    Only months with a full window ahead (before `as_of`) count. A network that
    grows has both more companies and more outcomes each year, so the two series
    share a trend that says nothing about diversity. So `rho` correlates the
    month-to-month changes of the two series (a trend, straight or curved, moves
    both a little each month and drops out); `rho_raw` is the correlation of the
    levels, shown only to say how much of it was trend. Neighbouring months share most of
    their windows, so the interval comes from a moving-block bootstrap over
    months (blocks of `block_months`), not from a textbook formula. Even
    detrended, this is a correlation over time, not an effect.

    Whether anything is left beyond the trend is judged by `p_value`, from
    circular shifts of one series of changes against the other
    (:func:`shift_p_value`): the block-bootstrap interval alone is too narrow on
    two or three years of smooth monthly series.

    Returns a dict: `rho`, `ci`, `p_value`, `rho_raw`, `ci_raw`, `months`,
    `beyond_trend` (p_value below 0.05), `note`.
    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    out = {"rho": None, "ci": None, "p_value": None, "rho_raw": None, "ci_raw": None, "months": 0,
           "beyond_trend": None, "note": None}
    if over_time.empty:
        out["note"] = "no months to compare"
        return out
    won = ds.outcomes[(ds.outcomes["status"] == "won") & (ds.outcomes["timestamp"] <= cut)]
    first = int(month_ordinal(over_time["period"]).min())
    last = int(month_ordinal(pd.Series([cut]))[0])
    per_month = np.bincount(month_ordinal(won["timestamp"]) - first, minlength=last - first + 1)[: last - first + 1] \
        if len(won) else np.zeros(last - first + 1)
    per_month = per_month.astype(float)
    csum = np.r_[0.0, np.cumsum(per_month)]
    idx = np.arange(last - first + 1)
    ahead = csum[np.minimum(idx + 1 + ahead_months, len(per_month))] - csum[idx + 1]
    # The as-of month counts only if as_of is its very end; a partial month would undercount outcomes.
    last_complete = int(month_ordinal(pd.Series([cut + pd.Timedelta(microseconds=1)]))[0]) - 1 - first
    complete = idx + ahead_months <= last_complete
    x = over_time["entropy_bits"].to_numpy(dtype=float)
    ok = complete & np.isfinite(x)
    out["months"] = int(ok.sum())
    if ok.sum() < 12:
        out["note"] = (f"only {int(ok.sum())} months have both a diversity value and {ahead_months} complete months "
                       "after them (at least 12 are needed)")
        return out
    xs, ys = x[ok], ahead[ok]
    if np.ptp(xs) == 0 or np.ptp(ys) == 0:
        out["note"] = "diversity or outcomes do not vary over the months, so no correlation can be computed"
        return out
    out["rho_raw"] = _spearman(xs, ys)
    out["ci_raw"] = _block_bootstrap(xs, ys, block_months, n_boot, seed)
    rx, ry = np.diff(xs), np.diff(ys)
    rho = _spearman(rx, ry)
    if not np.isfinite(rho):
        out["note"] = "diversity or outcomes are all trend: nothing is left to compare once the trend is taken out"
        return out
    out["rho"], out["ci"] = rho, _block_bootstrap(rx, ry, block_months, n_boot, seed)
    out["p_value"] = shift_p_value(rx, ry, min_shift=max(3, min(block_months, ahead_months)))
    out["beyond_trend"] = bool(out["p_value"] is not None and out["p_value"] < 0.05)
    return out


def describe_diversity_and_outcomes(rel: dict, ahead_months: int = 6) -> str:
    """One or two sentences on the detrended correlation (empty when it could not be computed)."""
    if rel.get("rho") is None:
        return ""
    raw = f"{rel['rho_raw']:.2f}" if rel.get("rho_raw") is not None else "not computable"
    ci = f" (95% interval {rel['ci'][0]:.2f} to {rel['ci'][1]:.2f}" if rel.get("ci") else " ("
    ci += f"{'; ' if rel.get('ci') else ''}p = {rel['p_value']:.2f} against shifted series)" if rel.get("p_value") is not None else (")" if rel.get("ci") else "")
    ci = "" if ci == " (" else ci
    text = (f" Diversity and the won outcomes of the next {ahead_months} months both follow the growth of the network "
            f"(rank correlation of the levels {raw}); their month-to-month changes, where a shared trend drops out, "
            f"correlate at **{rel['rho']:.2f}** over {rel['months']} months{ci}.")
    if rel.get("beyond_trend"):
        return text + (" Months in which diversity rose go with more outcomes ahead; that is a correlation over "
                       "time, not proof that diversity brings outcomes.")
    return text + " That cannot be told apart from no link at all: say nothing about diversity and outcomes from it."
