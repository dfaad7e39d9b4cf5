"""Writes notebooks/04_predicting_outcomes.ipynb (run from the repository root; developers only)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbbuild import build  # noqa: E402

CELLS = [
    ("md", """
# 4. Which relationships will pay next?
Where should next month's networking time go? For every relationship and every past month, we describe the
relationship **only with what was known before that month** (how much time is still carrying over, how recently
and how often you were in touch, who reached out, which channels, earlier outcomes) and ask whether a won outcome
followed within the next `horizon_months` months. Two models learn that link from the past, and are judged on
later months they never saw, against three simple rules of thumb. The last section turns the model into a
follow-up list for the month after the as-of date.
"""),
    ("params", """
data_dir: str = ""      # folder written by `netanalysis load`; empty: the bundled sample
output_dir: str = ""    # where figures and metrics go; empty: a temporary folder
as_of: str = ""         # last date of data to use (YYYY-MM-DD); empty: the last timestamp in the data
period: str = "month"   # month or quarter (predictions are always made month by month)
anonymize: bool = False # set by `netanalysis report --anonymize` (the data is already pseudonymised)
horizon_months: int = 6 # a prediction is about a won outcome within this many months
seed: int = 0           # seed for the bootstrap and the gradient boosting
unit: str = "contact"   # contact or account
"""),
    ("code", """
import html
from pathlib import Path

import pandas as pd
from IPython.display import display, Markdown
from netanalysis.session import open_report_data
from netanalysis.report import save_figure, record_metrics
from netanalysis.safety import write_safe_csv
from netanalysis import plots_predict
from netanalysis.predict import predict_outcomes, PRIMARY

pd.set_option("display.max_colwidth", 120)
nb = open_report_data(data_dir, as_of, output_dir, period)
pred = predict_outcomes(nb.ds, as_of=nb.as_of, horizon_months=horizon_months, unit=unit, seed=seed)
holdout = pred.holdout
metrics, notes = pred.metrics()
"""),
    ("md", """
## How good is the prediction? (held-out months)
We pretend to stand at an earlier date: the models learn only from outcome windows that had closed by then, and
then rank every relationship for the **last months whose outcome window is complete** at the as-of date. Training
windows end before the first held-out month, so nothing the models are judged on was seen while learning.

**What the AUC means for you.** Take one relationship that went on to produce a won outcome and one that did not:
the AUC is the chance that the model ranked the paying one higher. 0.5 is a coin flip; 1.0 would be a perfect
list. An AUC of 0.70 means that, in seven pairs out of ten, the list puts the right one first; it does not mean 70%
of the predictions are right, and it says nothing about *why* a relationship pays. The baselines are what you would
do without a model: call whoever you spoke to most recently (*recency*), most often (*frequency*), or whoever a
personal CRM's hand-weighted strength score puts first. A model is only worth using if it beats them by more than
the uncertainty: the bars are 95% intervals from resampling whole relationships.
"""),
    ("code", """
table = holdout.table
if holdout.ok:
    fig = save_figure(plots_predict.model_comparison(table), nb.output_dir, "04_model_comparison")
    shown = table[["name", "auc", "auc_low", "auc_high", "gain_over_recency", "gain_low", "gain_high",
                   "average_precision", "brier", "n_units", "n_positive"]].rename(columns={
        "name": "model or baseline", "auc": "ROC AUC", "auc_low": "AUC low", "auc_high": "AUC high",
        "gain_over_recency": "AUC gain over recency", "gain_low": "gain low", "gain_high": "gain high",
        "average_precision": "average precision", "brier": "Brier score", "n_units": "relationships",
        "n_positive": "windows with a won outcome"})
    display(shown.set_index("model or baseline").round(3))
else:
    display(Markdown("**Not enough data to judge a prediction.** " + html.escape(
        next((n.split(": ", 1)[1] for n in notes if n.startswith("holdout_auc:")), ""))))
"""),
    ("code", """
if holdout.ok:
    w = holdout.window
    row = table.set_index("model")
    auc, lo, hi = row.loc[PRIMARY, ["auc", "auc_low", "auc_high"]]
    gain, glo, ghi = row.loc[PRIMARY, ["gain_over_recency", "gain_low", "gain_high"]]
    verdict = ("beats" if glo > 0 else "does not clearly beat" if ghi > 0 else "does worse than")
    display(Markdown(
        f"Trained on decision months {w['train_first']} to {w['train_last']} ({w['n_train_rows']:,} relationship-months, "
        f"{w['n_train_positive']} followed by a won outcome within {w['horizon_months']} months) and judged on "
        f"{w['test_first']} to {w['test_last']} ({w['n_test_units']} relationships, {w['n_test_positive']} windows "
        f"with a won outcome). The logistic regression reaches an AUC of **{auc:.2f}** (95% interval {lo:.2f} to "
        f"{hi:.2f}); it **{verdict}** the recency baseline (difference {gain:+.2f}, interval {glo:+.2f} to {ghi:+.2f}). "
        f"Its Brier score is {row.loc[PRIMARY, 'brier']:.4f} against {w['brier_base_rate']:.4f} for always predicting "
        f"the past average (lower is better)."))
    base = table[table["model"].isin(["recency", "frequency", "relationship_score"])].sort_values("auc").iloc[-1]
    if base["auc"] >= auc:
        display(Markdown(f"The best rule of thumb here, the {base['name'].replace(' (baseline)', '')}, does as well "
                         f"(AUC {base['auc']:.2f}): on this data a simple rule is as good a guide as the model."))
"""),
    ("md", """
## Are the probabilities honest? (calibration)
Relationships in the held-out months are put into five groups by their predicted chance; each point compares the
average predicted chance with the share that really produced a won outcome. Points on the diagonal mean a predicted
20% happens about one time in five.
"""),
    ("code", """
if holdout.ok:
    fig = save_figure(plots_predict.calibration(holdout.calibration, holdout.window.get("test_positive_share")),
                      nb.output_dir, "04_calibration")
else:
    display(Markdown("No calibration curve: not enough data."))
"""),
    ("md", """
## What the model relies on
Permutation importance: how much the held-out AUC of the logistic regression drops when one feature is shuffled
across relationships. Features that carry the same information (for example the stock at different half-lives)
share their importance, so a small bar does not mean the information is useless. Relying on a feature is not an
effect of it: recent meetings predict wins partly because deals in progress bring meetings, so a feature the model
leans on is a signal to read, not a lever to pull.
"""),
    ("code", """
if holdout.ok:
    fig = save_figure(plots_predict.feature_importance(holdout.importance[holdout.importance["model"] == PRIMARY]),
                      nb.output_dir, "04_feature_importance")
"""),
    ("md", """
## Does it hold month after month? (rolling origins)
The same comparison at several decision months, each model retrained only on outcome windows closed before that
month. A model that wins only in one month is not to be trusted.
"""),
    ("code", """
if len(pred.rolling):
    fig = save_figure(plots_predict.rolling_auc(pred.rolling), nb.output_dir, "04_rolling_origin")
    display(pred.rolling.pivot(index="origin", columns="model", values="auc").round(3))
else:
    display(Markdown("No rolling-origin checks: not enough history."))
"""),
    ("md", """
## Follow-up list for the coming month
Every relationship, ranked by the logistic regression's chance of a won outcome within `horizon_months` months
from the month after the as-of date, trained on all outcome windows that are complete. *Active*: touched in the
last 3 months; *cooling*: last touch 4 to 6 months ago; *dormant*: no touch for more than 6 months. The whole list
is saved as `followup.csv` next to this report (cells that a spreadsheet could run as formulas are neutralised).
A high rank is a reason to get in touch, not a promise: the model only knows the history recorded in your exports.
"""),
    ("code", """
followup = pred.followup
write_safe_csv(followup, Path(nb.output_dir) / "followup.csv")
counts = followup["group"].value_counts().reindex(["active", "cooling", "dormant"], fill_value=0)
for note in notes:
    if note.startswith("follow-up list:"):
        display(Markdown(html.escape(note[0].upper() + note[1:]) + "."))
display(Markdown(f"{len(followup)} relationships: {counts['active']} active, {counts['cooling']} cooling, "
                 f"{counts['dormant']} dormant. The top 20:"))
display(followup.head(20).set_index("rank"))
"""),
    ("md", """
### Worth reviving
The highest-ranked relationships that have gone quiet: the top five *cooling* and the top five *dormant* ones. A short
note to someone who once mattered costs little; their rank comes from their history, which makes them worth a look,
not a promise that getting in touch will bring an outcome.
"""),
    ("code", """
quiet = followup[followup["group"].isin(["cooling", "dormant"])].groupby("group", sort=False).head(5)
display(quiet.sort_values(["group", "rank"]).set_index("rank") if len(quiet) else Markdown("Every relationship is active."))
"""),
    ("md", """
## No peeking at the future
Before any model is trained, a guard rebuilds the features of several past months from the data cut just before
each of them and requires identical values, and checks that no feature reproduces an outcome window that is not
over yet; it stops the report if either fails. Nothing after the as-of date is read.
"""),
    ("code", """
display(Markdown(f"Leakage guard passed: {pred.rows_checked_for_leakage:,} feature rows rebuilt from the data as it "
                 "was known before their month, all identical." if pred.rows_checked_for_leakage else
                 "Leakage guard: no past month with data to rebuild yet."))
metrics["followup_relationships"] = int(len(followup))
record_metrics(nb.output_dir, "04_predicting_outcomes", metrics, notes,
               captions={"04_model_comparison": "ROC AUC on the held-out months for each model and baseline (95% bootstrap interval over relationships).",
                         "04_calibration": "Predicted chance against the observed share of won outcomes in the held-out months.",
                         "04_feature_importance": "Drop in held-out AUC when each feature is shuffled (logistic regression).",
                         "04_rolling_origin": "ROC AUC at several decision months, each model retrained on windows closed before it."});
"""),
]

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "notebooks" / "04_predicting_outcomes.ipynb"
    build(out, CELLS)
    print(out)
