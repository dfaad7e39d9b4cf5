"""Which relationships will pay next: leakage-free prediction, honest baselines, a follow-up list.

The features (`features.feature_table`) describe each relationship at each
decision month with data from before that month only; the label is a won outcome
in the next `horizon_months`. The models and baselines (`models`) are judged on
a held-out later window (`validation`: splits, bootstrap over units, the leakage
guard), and the primary model ranks the follow-up list (`followup`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, roc_auc_score

from netanalysis.analysis.predict.features import feature_table, known_at
from netanalysis.analysis.predict.fits import WindowFits
from netanalysis.analysis.predict.followup import FOLLOWUP_COLUMNS, follow_up_list  # noqa: F401  (re-exported)
from netanalysis.analysis.predict.importance import auc_importance
from netanalysis.analysis.predict.models import (  # noqa: F401
    BASELINES,
    MIN_TEST_CLASS,
    MIN_TRAIN_POSITIVES,
    MODELS,
    NAMES,
    PRIMARY,
    relationship_score,
    single_thread,
)
from netanalysis.analysis.predict.sample import only_units, sample_of, sample_sentence
from netanalysis.analysis.predict.validation import (
    RollingOriginSplit,
    check_information_time,
    check_shifted_labels,
    check_truncation,
    holdout_split,
    interval,
    ranking_metrics,
    unit_resample_counts,
)
from netanalysis.analysis.predict.versus import versus_recency
from netanalysis.dates import as_timestamp


# -- results ----------------------------------------------------------------
@dataclass
class Holdout:
    """The held-out evaluation: one row per model or baseline, plus calibration and importance.

    `table` columns: `model`, `name`, `auc`, `auc_low`, `auc_high`, `average_precision`,
    `ap_low`, `ap_high`, `brier` (models only), `n_units`, `n_rows`, `n_positive`.
    """

    table: pd.DataFrame
    calibration: pd.DataFrame
    importance: pd.DataFrame
    scores: pd.DataFrame
    window: dict
    notes: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.table.empty and self.table["auc"].notna().any()

    def auc(self, model: str):
        row = self.table[self.table["model"] == model]
        return None if row.empty or pd.isna(row["auc"].iloc[0]) else float(row["auc"].iloc[0])

    def _repr_html_(self) -> str:
        return self.table.to_html(index=False, float_format=lambda v: f"{v:.3f}")

    def importance_of(self, model: str = PRIMARY) -> pd.DataFrame:
        """Permutation importance of one model's features, largest first."""
        return self.importance[self.importance["model"] == model]

    def summary(self) -> pd.DataFrame:
        """The comparison to read: one row per model or baseline, AUC and its gain over recency with intervals."""
        shown = self.table[["name", "auc", "auc_low", "auc_high", "gain_over_recency", "gain_low", "gain_high",
                            "average_precision", "brier", "n_units", "n_positive"]].rename(columns=SUMMARY_COLUMNS)
        return shown.set_index("model or baseline").round(3)

    def plot(self, ax=None):
        """ROC AUC of each model and baseline with its 95% interval, on `ax` (a new figure when None);
        returns the Figure."""
        from netanalysis.plots.predict import model_comparison

        return model_comparison(self.table, ax=ax)

    def plot_calibration(self, ax=None):
        """Predicted chance against the observed share in the held-out months; returns the Figure."""
        from netanalysis.plots.predict import calibration

        return calibration(self.calibration, self.window.get("test_positive_share"), ax=ax)

    def plot_importance(self, model: str = PRIMARY, ax=None):
        """How much the held-out AUC drops when each of `model`'s features is shuffled; returns the Figure."""
        from netanalysis.plots.predict import feature_importance

        return feature_importance(self.importance_of(model), ax=ax)

    def sentence(self) -> str:
        """What was trained and judged, how the primary model did against recency, and whether a rule of thumb
        does as well; or why no prediction could be judged."""
        if not self.ok:
            reason = next((n.split(": ", 1)[1] for n in self.notes if n.startswith("holdout_auc:")), NOT_JUDGED)
            if reason == NO_OUTCOMES:
                return "**No prediction:** " + html.escape(reason) + "."
            return "**Not enough data to judge a prediction:** " + html.escape(reason.rstrip(".")) + "."
        w, row = self.window, self.table.set_index("model")
        auc, lo, hi = row.loc[PRIMARY, ["auc", "auc_low", "auc_high"]]
        gain, glo, ghi = row.loc[PRIMARY, ["gain_over_recency", "gain_low", "gain_high"]]
        verdict = {"better": "beats", "no better": "does not clearly beat",
                   "worse": "does worse than"}[versus_recency(glo, ghi)]
        text = (f"Trained on decision months {w['train_first']} to {w['train_last']} ({w['n_train_rows']:,} "
                f"relationship-months, {w['n_train_positive']} followed by a won outcome within {w['horizon_months']} "
                f"months) and judged on {w['test_first']} to {w['test_last']} ({w['n_test_units']} relationships, "
                f"{w['n_test_positive']} windows with a won outcome). The logistic regression reaches an AUC of "
                f"**{auc:.2f}** (95% interval {lo:.2f} to {hi:.2f}); it **{verdict}** the recency baseline (difference "
                f"{gain:+.2f}, interval {glo:+.2f} to {ghi:+.2f}). Its Brier score is {row.loc[PRIMARY, 'brier']:.4f} "
                f"against {w['brier_base_rate']:.4f} for always predicting the past average (lower is better).")
        if w.get("sampled"):
            text += f" The data is large, so the models were {html.escape(w['sampled'])}."
        base = self.table[self.table["model"].isin(list(BASELINES))].sort_values("auc").iloc[-1]
        if base["auc"] >= auc:
            text += (f"\n\nThe best rule of thumb here, the {base['name'].replace(' (baseline)', '')}, does as well "
                     f"(AUC {base['auc']:.2f}): on this data a simple rule is as good a guide as the model.")
        return text


NOT_JUDGED = "not enough data to judge a prediction"
NO_OUTCOMES = ("the data has no outcomes (won deals, referrals, job offers...), so there is nothing to predict "
               "or to judge a prediction on; record yours in outcomes_template.csv")
SUMMARY_COLUMNS = {
    "name": "model or baseline", "auc": "ROC AUC", "auc_low": "AUC low", "auc_high": "AUC high",
    "gain_over_recency": "AUC gain over recency", "gain_low": "gain low", "gain_high": "gain high",
    "average_precision": "average precision", "brier": "Brier score", "n_units": "relationships",
    "n_positive": "windows with a won outcome"}
CAPTIONS = {
    "04_model_comparison": "ROC AUC on the held-out months for each model and baseline (95% bootstrap interval over relationships).",
    "04_calibration": "Predicted chance against the observed share of won outcomes in the held-out months.",
    "04_feature_importance": "Drop in held-out AUC when each feature is shuffled (logistic regression).",
    "04_rolling_origin": "ROC AUC at several decision months, each model retrained on windows closed before it."}


def _judgeable(y: np.ndarray) -> bool:
    pos = int(np.nansum(y))
    return pos >= MIN_TEST_CLASS and len(y) - pos >= MIN_TEST_CLASS


@single_thread
def evaluate_holdout(table: pd.DataFrame, seed: int = 0, n_boot: int = 200, test_months: int = 3,
                     fits: WindowFits | None = None) -> Holdout:
    """Train on label windows closed before the held-out months; judge every model and baseline there.

    The held-out window is the last `test_months` decision months whose labels are
    complete at `as_of`; training rows have ``t + horizon <= first held-out month``.
    Intervals: 95% percentile bootstrap over units (`n_boot` resamples).
    Metrics are NaN with a note when the data is too small. `fits`: models already
    fitted on this table (shared with `rolling_origin_auc`); None fits them here.
    """
    cols = table.attrs["feature_columns"]
    unit_col = table.columns[0]
    horizon = table.attrs["horizon_months"]
    labelled = table["label"].notna().to_numpy()
    train, test, first_test = holdout_split(table["period"], labelled, horizon, test_months)
    tr, te = table[train], table[test]
    window = {"train_first": _month(tr["period"].min()), "train_last": _month(tr["period"].max()),
              "test_first": _month(te["period"].min()), "test_last": _month(te["period"].max()),
              "horizon_months": horizon, "n_train_rows": int(len(tr)), "n_train_positive": int(tr["label"].sum()),
              "n_test_rows": int(len(te)), "n_test_units": int(te[unit_col].nunique()),
              "n_test_positive": int(te["label"].sum())}
    notes = []
    empty = _no_judgement(window, notes)
    if not labelled.any():
        notes.append(f"holdout_auc: no decision month has a complete {horizon}-month outcome window before as_of; "
                     "more history is needed")
        return empty
    if window["n_train_positive"] < MIN_TRAIN_POSITIVES:
        notes.append(f"holdout_auc: only {window['n_train_positive']} training windows with a won outcome "
                     f"(before {window['test_first']}); at least {MIN_TRAIN_POSITIVES} are needed to fit a model")
        return empty
    if not _judgeable(te["label"].to_numpy()):
        notes.append(f"holdout_auc: the held-out months ({window['test_first']} to {window['test_last']}) have "
                     f"{window['n_test_positive']} windows with a won outcome out of {window['n_test_rows']}; at least "
                     f"{MIN_TEST_CLASS} of each kind are needed to judge a prediction")
        return empty

    y_tr, y_te = tr["label"].to_numpy(), te["label"].to_numpy()
    units = te[unit_col].to_numpy()
    counts, unit_of_row = unit_resample_counts(units, n_boot, seed)
    W = (np.vstack([np.ones(counts.shape[1]), counts]), unit_of_row)  # row 0: the data as it is
    scores = pd.DataFrame({unit_col: units, "period": te["period"].to_numpy(), "label": y_te})
    fits = fits if fits is not None else WindowFits(table, seed)
    rows, calib, importance = _fitted_models(fits, train, te, cols, units, scores, W, seed)
    for name, score in BASELINES.items():
        s = score(te)
        scores[name] = s
        rows.append(_row(name, y_te, s, units, W, brier=np.nan))
    out = _with_gain_over_recency(pd.DataFrame(rows))
    base_rate = float(y_tr.mean())
    window["brier_base_rate"] = float(brier_score_loss(y_te, np.full(len(y_te), base_rate)))
    window["test_positive_share"] = float(y_te.mean())
    if sample_sentence(table):
        window["sampled"] = sample_sentence(table)
    return Holdout(out, pd.concat(calib, ignore_index=True), pd.concat(importance, ignore_index=True)
                   .sort_values(["model", "importance"], ascending=[True, False]), scores, window, notes)


def _no_judgement(window: dict, notes: list) -> Holdout:
    """A Holdout with empty tables: the data cannot train or judge a model (`notes` says why)."""
    return Holdout(pd.DataFrame(columns=["model", "name", "auc", "auc_low", "auc_high", "average_precision",
                                         "ap_low", "ap_high", "brier", "n_units", "n_rows", "n_positive"]),
                   pd.DataFrame(columns=["model", "predicted", "observed"]),
                   pd.DataFrame(columns=["model", "feature", "importance", "importance_std"]),
                   pd.DataFrame(), window, notes)


def _fitted_models(fits: WindowFits, train: np.ndarray, te: pd.DataFrame, cols, units: np.ndarray,
                   scores: pd.DataFrame, W, seed: int):
    """Fit each model on the training rows and judge it on the held-out ones.

    Adds each model's held-out scores to `scores`; returns the metric rows, the
    calibration curves and the permutation importance of the primary model.
    """
    y_te = te["label"].to_numpy()
    rows, calib, importance = [], [], []
    for name in MODELS:
        model = fits.model(name, train)
        p = model.predict_proba(te[cols])[:, 1]
        scores[name] = p
        rows.append(_row(name, y_te, p, units, W, brier=brier_score_loss(y_te, p)))
        frac, mean_p = calibration_curve(y_te, p, n_bins=5, strategy="quantile")
        calib.append(pd.DataFrame({"model": name, "predicted": mean_p, "observed": frac}))
        if name != PRIMARY:
            continue
        mean, std = auc_importance(model, te[cols], y_te, n_repeats=5, seed=seed)
        importance.append(pd.DataFrame({"model": name, "feature": cols, "importance": mean, "importance_std": std}))
    return rows, calib, importance


def _with_gain_over_recency(out: pd.DataFrame) -> pd.DataFrame:
    """Each row's AUC gain over the recency baseline, with a paired bootstrap interval (same resampled units)."""
    recency = out.loc[out["model"] == "recency", "_boot_auc"].iloc[0]
    rec_auc = float(out.loc[out["model"] == "recency", "auc"].iloc[0])
    out["gain_over_recency"] = out["auc"] - rec_auc
    gains = [interval(b - recency) for b in out["_boot_auc"]]
    out["gain_low"], out["gain_high"] = [g[0] for g in gains], [g[1] for g in gains]
    return out.drop(columns="_boot_auc")


def _row(name, y, s, units, W, brier):
    """One model's line: AUC and average precision on the data (row 0 of the weights) with intervals from the
    resamples (the other rows); `W` is (weights by unit, each row's unit)."""
    auc, ap = ranking_metrics(y, s, *W)
    lo, hi = interval(auc[1:])
    ap_lo, ap_hi = interval(ap[1:])
    return {"model": name, "name": NAMES[name], "auc": float(auc[0]), "auc_low": lo, "auc_high": hi,
            "average_precision": float(ap[0]), "ap_low": ap_lo, "ap_high": ap_hi, "brier": float(brier),
            "n_units": int(pd.Series(units).nunique()), "n_rows": int(len(y)), "n_positive": int(np.sum(y)),
            "_boot_auc": auc[1:]}


def _month(ts):
    return None if pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m")


@single_thread
def rolling_origin_auc(table: pd.DataFrame, seed: int = 0, n_splits: int = 4,
                       fits: WindowFits | None = None) -> pd.DataFrame:
    """ROC AUC of each model and baseline at several rolling origins (one decision month each).

    Rows: `origin` (YYYY-MM), `model`, `auc`, `n_units`, `n_positive`; an origin whose
    training or test data is too small is left out. `fits`: models already fitted on
    this table (the held-out window's training rows are also one origin's); None fits them here.
    """
    cols = table.attrs["feature_columns"]
    unit_col = table.columns[0]
    labelled = np.flatnonzero(table["label"].notna().to_numpy())
    lab = table.iloc[labelled].reset_index(drop=True)
    splitter = RollingOriginSplit(n_splits=n_splits, horizon_months=table.attrs["horizon_months"], test_months=1)
    fits = fits if fits is not None else WindowFits(table, seed)
    rows = []
    for tr_idx, te_idx in splitter.split(lab["period"], lab[unit_col]):
        te = lab.iloc[te_idx]
        y_tr, y_te = lab["label"].to_numpy()[tr_idx], te["label"].to_numpy()
        if y_tr.sum() < MIN_TRAIN_POSITIVES or not _judgeable(y_te):
            continue
        origin = _month(te["period"].min())
        train = np.zeros(len(table), dtype=bool)
        train[labelled[tr_idx]] = True
        for name in MODELS:
            p = fits.model(name, train).predict_proba(te[cols])[:, 1]
            rows.append({"origin": origin, "model": name, "auc": roc_auc_score(y_te, p)})
        for name, score in BASELINES.items():
            rows.append({"origin": origin, "model": name, "auc": roc_auc_score(y_te, score(te))})
        for r in rows[-len(MODELS) - len(BASELINES):]:
            r.update(n_units=int(te[unit_col].nunique()), n_positive=int(y_te.sum()))
    return pd.DataFrame(rows, columns=["origin", "model", "auc", "n_units", "n_positive"])


# -- everything the notebook shows -------------------------------------------
@dataclass
class Prediction:
    """The feature table, the held-out evaluation, rolling origins, the follow-up list and notes."""

    table: pd.DataFrame
    holdout: Holdout
    rolling: pd.DataFrame
    followup: pd.DataFrame
    notes: list
    rows_checked_for_leakage: int

    @property
    def captions(self) -> dict:
        """Captions of the figures the notebook draws: the held-out ones only when a prediction was judged,
        the rolling-origin one only when there are rolling checks."""
        drawn = (["04_model_comparison", "04_calibration", "04_feature_importance"] if self.holdout.ok else [])
        drawn += ["04_rolling_origin"] if len(self.rolling) else []
        return {k: CAPTIONS[k] for k in drawn}

    def metrics(self) -> tuple[dict, list]:
        """The `summary.json` metrics (`holdout_auc`, ..., `followup_relationships`) and notes (why a metric is null)."""
        m, notes = self._holdout_metrics()
        m["followup_relationships"] = int(len(self.followup))
        return m, notes

    def _holdout_metrics(self) -> tuple[dict, list]:
        h = self.holdout
        m: dict = {"holdout_auc": None, "holdout_auc_recency_baseline": None}
        notes = list(self.notes)
        if not h.ok:
            if not any(n.startswith("holdout_auc:") for n in notes):
                notes.append(f"holdout_auc: {NOT_JUDGED}")
            reason = next(n for n in notes if n.startswith("holdout_auc:")).split(": ", 1)[1]
            notes.append(f"holdout_auc_recency_baseline: {reason}")
            return m, notes
        keys = {"logistic_regression": "holdout_auc", "recency": "holdout_auc_recency_baseline",
                "gradient_boosting": "holdout_auc_gradient_boosting", "frequency": "holdout_auc_frequency_baseline",
                "relationship_score": "holdout_auc_relationship_score_baseline"}
        for _, r in h.table.iterrows():
            key = keys[r["model"]]
            m[key] = r["auc"]
            m[key + "_ci"] = None if pd.isna(r["auc_low"]) else [r["auc_low"], r["auc_high"]]
            m[key + "_n"] = r["n_units"]
        prim = h.table[h.table["model"] == PRIMARY].iloc[0]
        m["holdout_auc_gain_over_recency"] = prim["gain_over_recency"]
        m["holdout_auc_gain_over_recency_ci"] = (None if pd.isna(prim["gain_low"]) else
                                                 [prim["gain_low"], prim["gain_high"]])
        m["holdout_average_precision"] = prim["average_precision"]
        m["holdout_average_precision_ci"] = None if pd.isna(prim["ap_low"]) else [prim["ap_low"], prim["ap_high"]]
        m["holdout_brier"] = prim["brier"]
        m["holdout_brier_base_rate"] = h.window.get("brier_base_rate")
        m["holdout_positive_share"] = h.window.get("test_positive_share")
        m["holdout_window"] = f"{h.window['test_first']} to {h.window['test_last']}"
        m["prediction_horizon_months"] = h.window["horizon_months"]
        return m, notes

    def plot(self, ax=None):
        """The held-out model comparison (:meth:`Holdout.plot`); returns the Figure."""
        return self.holdout.plot(ax=ax)

    def plot_rolling(self, ax=None):
        """ROC AUC at each rolling origin, per model and baseline; returns the Figure."""
        from netanalysis.plots.predict import rolling_auc

        return rolling_auc(self.rolling, ax=ax)

    def rolling_summary(self) -> pd.DataFrame:
        """ROC AUC at each rolling origin (rows) for each model and baseline (columns)."""
        return self.rolling.pivot(index="origin", columns="model", values="auc").round(3)

    def followup_sentence(self) -> str:
        """Why the list may be rough (its notes), and how many relationships are active, cooling and dormant."""
        counts = self.followup["group"].value_counts().reindex(["active", "cooling", "dormant"], fill_value=0)
        lines = [html.escape(n[0].upper() + n[1:]) + "." for n in self.notes if n.startswith("follow-up list:")]
        n = len(self.followup)
        lines.append(f"{n} {'relationship' if n == 1 else 'relationships'}: {counts['active']} active, "
                     f"{counts['cooling']} cooling, {counts['dormant']} dormant."
                     + (f" The top {min(n, 20)}:" if n > 1 else ""))
        return "\n\n".join(lines)

    def worth_reviving(self, n: int = 5) -> pd.DataFrame:
        """The `n` highest-ranked cooling and the `n` highest-ranked dormant relationships, indexed by rank."""
        quiet = self.followup[self.followup["group"].isin(["cooling", "dormant"])].groupby("group", sort=False).head(n)
        return quiet.sort_values(["group", "rank"]).set_index("rank")

    def leakage_sentence(self) -> str:
        """What the leakage guard checked."""
        if not self.rows_checked_for_leakage:
            return "Leakage guard: no past month with data to rebuild yet."
        return (f"Leakage guard passed: {self.rows_checked_for_leakage:,} feature rows rebuilt from the data as it "
                "was known before their month, all identical.")


def predict_outcomes(ds, as_of: pd.Timestamp | None = None, horizon_months: int = 6, unit: str = "contact",
                     seed: int = 0, n_boot: int = 200, test_months: int = 3, check_leakage: bool = True) -> Prediction:
    """Build features, check them for leakage, judge the models on a later window, rank the follow-ups.

    Only data up to `as_of` is used (`ds.until(as_of)`). The leakage guard raises
    `validation.LeakageError` if a feature reproduces a future label or changes when
    the data from its decision month on is removed.
    """
    cut = as_timestamp(as_of, default=ds.last_timestamp)
    ds = known_at(ds, cut)
    table = feature_table(ds, as_of=cut, horizon_months=horizon_months, unit=unit, seed=seed)
    cols = table.attrs["feature_columns"]
    unit_col = table.columns[0]
    checked = 0
    if check_leakage:
        check_information_time(table)
        check_shifted_labels(table, cols, unit_col, table.attrs["horizon_months"])
        # Rebuilt on the sampled contacts only: their rows are the ones compared.
        rebuilt_from = only_units(ds, sample_of(table)) if unit == "contact" else ds
        checked = check_truncation(rebuilt_from, table, feature_table, cols, unit_col, n_months=3,
                                   horizon_months=table.attrs["horizon_months"], unit=unit,
                                   sample=sample_of(table), score_every_unit=False)
    fits = WindowFits(table, seed)
    holdout = evaluate_holdout(table, seed=seed, n_boot=n_boot, test_months=test_months, fits=fits)
    if ds.outcomes.empty:  # the reason in the user's words, not "only 0 training windows with a won outcome"
        holdout.notes[:] = [f"holdout_auc: {NO_OUTCOMES}" if n.startswith("holdout_auc: only ") else n
                            for n in holdout.notes]
    rolling = rolling_origin_auc(table, seed=seed, fits=fits) if holdout.ok else pd.DataFrame(
        columns=["origin", "model", "auc", "n_units", "n_positive"])
    followup, fnotes = follow_up_list(table, ds, seed=seed, fits=fits)
    sampled = sample_sentence(table)
    if sampled and holdout.ok:
        holdout.notes.append(f"holdout_auc: {sampled}")
    if sampled and "probability" in followup and followup["probability"].notna().any():
        fnotes.append(f"follow-up list: the model that ranks it was {sampled}")
    return Prediction(table, holdout, rolling, followup, list(holdout.notes) + fnotes, checked)
