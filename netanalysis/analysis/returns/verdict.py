"""The verdict on delayed returns: what the data support, in words that do not overclaim.

A pooled carryover model finds a "half-life" in worlds where time does nothing:
when deals in progress bring meetings (reverse causation) or when some
relationships are both met more and buy more (confounding). The verdict reads
the results of several designs, in this order, and keeps the weakest claim
they all allow:

==============================  ================================================
code                            when
==============================  ================================================
``not_estimable``               too few won months or units to test anything
``no_link``                     the calibrated "any link" test does not reject
                                (p >= 0.05)
``association_only``            the link is between units: it vanishes when each
                                unit is compared only with itself
``reverse_causation_suspected`` the link holds within units but lives in the
                                months just before outcomes: it disappears when
                                the minutes of the last k months before each
                                month are left out, or when wins are dated by
                                when their opportunity opened
``supported``                   it survives within-unit estimation and the
                                exclusion window
==============================  ================================================

Only ``supported`` says that time "keeps working", and even then as "goes
with", naming the design. `decide` is a pure function of the test results, so
it can be checked on hand-made inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netanalysis.analysis.words import months as months_words

ALPHA = 0.05
MIN_EVENTS = 20
MIN_UNITS = 5
CODES = ("not_estimable", "no_link", "reverse_causation_suspected", "association_only", "supported")


@dataclass(frozen=True)
class Evidence:
    """The test results the verdict reads (p-values are calibrated, one-sided; None = not tested).

    Attributes
    ----------
    link_p : "any link" p-value of the pooled model (all comparisons).
    within_p : the same test within units (each unit against itself).
    window_p : {k: p-value of the pooled test when the minutes of the k months
        before each month are left out}.
    opened_p : p-value when each win is dated by the month its opportunity
        opened (only where outcomes carry `opened_at`), else None.
    n_units, n_events : units and months with a win in the panel.
    n_within_units : units with at least one won month (what the within design uses).
    lag_shape : "geometric" or "delayed" (from the lag-shape analysis).
    half_life, half_life_ci : the within-unit half-life and its interval, for the sentence.
    unit_kind : "contact" or "account".
    """

    link_p: float | None
    within_p: float | None = None
    window_p: dict = field(default_factory=dict)
    opened_p: float | None = None
    n_units: int = 0
    n_events: int = 0
    n_within_units: int = 0
    lag_shape: str = "geometric"
    half_life: float | None = None
    half_life_ci: tuple | None = None
    unit_kind: str = "contact"


@dataclass(frozen=True)
class Verdict:
    """A verdict code, the reasons behind it (sentences for `notes`) and the evidence."""

    code: str
    reasons: tuple
    evidence: Evidence

    def headline(self) -> str:
        """The verdict as one sentence for the report's headline."""
        e, who = self.evidence, f"{self.evidence.unit_kind}s"
        if self.code == "not_estimable":
            return (f"Too few won outcomes to tell whether invested time carries over: {e.n_events} months with a win "
                    f"in {e.n_units} {who} (at least {MIN_EVENTS} are needed).")
        if self.code == "no_link":
            p = "" if e.link_p is None else f" (calibrated p = {_p(e.link_p)})"
            return f"No link found between the time invested and when wins come{p}."
        if self.code == "reverse_causation_suspected":
            return ("Time invested goes with wins only in the months just before them: deals already under way "
                    "bring meetings, so this is not evidence that invested time pays off later.")
        if self.code == "association_only":
            return (f"More time goes with more wins only when comparing {who} (or calendar months) with each other: "
                    f"within the same {self.evidence.unit_kind}, against the same calendar months, more time does not "
                    "go with more wins later. An association, not a sign that time carries over.")
        return _supported_sentence(e)

    def metrics(self) -> dict:
        return {"delayed_returns_verdict": self.code}

    def allows_half_life(self) -> bool:
        """Whether `carryover_half_life_months` may be reported (geometric shape, a link found)."""
        return self.evidence.lag_shape == "geometric" and self.code not in ("no_link", "not_estimable")


def _supported_sentence(e: Evidence) -> str:
    where = (f"within the same {e.unit_kind}s, and not just in the months before an outcome")
    if e.lag_shape == "geometric" and e.half_life is not None:
        lo, hi = e.half_life_ci or (None, None)
        span = "" if lo is None or hi is None else f" ({lo:.1f} to {hi:.1f}, 95% interval)"
        if e.half_life < 1:
            return (f"Invested time goes with more wins in the next month, {where}, but the link fades within weeks: "
                    f"half of it is gone after about {months_words(e.half_life, '.1f')}{span}.")
        return (f"Invested time keeps working, {where}: more time goes with more wins in later months, and half of "
                f"that link is gone after about {months_words(e.half_life, '.1f')}{span}.")
    return f"Invested time keeps working, {where}: more time goes with more wins in later months."


def decide(e: Evidence) -> Verdict:
    """The verdict from the evidence (a pure function; see the module docstring for the rules)."""
    who = f"{e.unit_kind}s"
    if e.n_events < MIN_EVENTS or e.n_units < MIN_UNITS or e.link_p is None:
        return Verdict("not_estimable", (f"only {e.n_events} months with a win in {e.n_units} {who}; at least "
                                         f"{MIN_EVENTS} in {MIN_UNITS} {who} are needed to test for a link",), e)
    if e.link_p >= ALPHA:
        return Verdict("no_link", (f"the calibrated test of any link between invested time and later wins does not "
                                   f"reject (p = {e.link_p:.3f})",), e)
    reasons = [f"the calibrated test of any link rejects (p = {e.link_p:.3f})"]
    # Within units first: a link that lives only between units is not about timing at all, whatever the windows say.
    if e.within_p is None or e.within_p >= ALPHA:
        why = ("too few " + who + " with a win to compare each with itself" if e.within_p is None else
               f"p = {e.within_p:.3f} within {who}")
        reasons.append(f"the link vanishes when each {e.unit_kind} is compared only with itself, month by calendar "
                       f"month ({why}; {e.n_within_units} {who} with a win): it is between {who} (e.g. a hidden "
                       "quality of a relationship) or between calendar months (e.g. a season all share), not "
                       "evidence that time carries over")
        return Verdict("association_only", tuple(reasons), e)
    gone = sorted(k for k, p in e.window_p.items() if p is None or p >= ALPHA)
    if gone or (e.opened_p is not None and e.opened_p >= ALPHA):
        if gone:
            reasons.append(f"the link disappears when the minutes of the last {months_words(gone[0])} before each month are "
                           f"left out (p = {_fmt(e.window_p[gone[0]])}): meetings pile up just before wins")
        if e.opened_p is not None and e.opened_p >= ALPHA:
            reasons.append(f"the link disappears when wins are dated by when their opportunity opened "
                           f"(p = {e.opened_p:.3f})")
        return Verdict("reverse_causation_suspected", tuple(reasons), e)
    reasons.append("the link survives leaving out the months just before each outcome ("
                   + ", ".join(f"k = {k}: p = {_fmt(p)}" for k, p in sorted(e.window_p.items()))
                   + (f"; dated by opening: p = {e.opened_p:.3f}" if e.opened_p is not None else "") + ")")
    reasons.append(f"the link holds within the same {who} (p = {e.within_p:.3f}, {e.n_within_units} {who} with a win)")
    return Verdict("supported", tuple(reasons), e)


def _fmt(p) -> str:
    return "not tested" if p is None else f"{p:.3f}"


def sentence_from_metrics(metrics: dict, who: str = "relationships") -> str:
    """The delayed-returns sentence from `summary.json` metrics alone (front page and notebook headline).

    Follows `delayed_returns_verdict`; without one (an older summary) the
    half-life is worded as an association.
    """
    code = metrics.get("delayed_returns_verdict")
    hl, p = metrics.get("carryover_half_life_months"), metrics.get("carryover_link_p_value")
    within = metrics.get("carryover_within_contact_half_life_months")
    peak = metrics.get("lag_peak_months") if metrics.get("lag_shape") == "delayed" else None
    p_txt = "" if p is None else f" (calibrated p = {_p(p)})"
    if code == "supported":
        h, ci = (within, metrics.get("carryover_within_contact_half_life_months_ci")) if within is not None else \
            (hl, metrics.get("carryover_half_life_months_ci"))
        if peak is not None:
            tail = f"; the link is strongest for time invested about {months_words(round(peak))} earlier."
        elif h is not None:
            tail = f"; half of that link is gone after about {h:.1f} months (95% interval {_span(ci)} months)."
        else:
            tail = "."
        if peak is None and h is not None and h < 1:
            return (f"**Invested time goes with wins in the next month** (within the same {who}, and not just in the "
                    f"months before an outcome), but the link fades within weeks: half of it is gone after about "
                    f"{h:.1f} months (95% interval {_span(ci)} months).")
        return (f"**Invested time keeps working** (within the same {who}, and not just in the months before an "
                f"outcome): more time goes with more wins in later months{tail}")
    if code == "association_only":
        return (f"**An association, not a carryover:** more time goes with more wins across {who} or calendar months"
                f"{p_txt}, but not within the same one against the same months.")
    if code == "reverse_causation_suspected":
        return ("**Meetings pile up just before wins:** the link between time and wins lives in the months just "
                "before them (deals under way bring meetings), so it says nothing about returns that come later.")
    if code == "no_link":
        return f"**No link found** between the time invested and when wins come{p_txt}."
    if code == "not_estimable":
        return "**Too few won outcomes** to tell whether invested time goes with later wins (see the notes)."
    if hl is not None:
        return (f"**Invested time and later wins:** the link between them halves after about {hl:.1f} months "
                f"(95% interval {_span(metrics.get('carryover_half_life_months_ci'))} months); an association, "
                "not proof that time pays.")
    return "**How long invested time goes with better chances** cannot be pinned down from this data (see the notes)."


def _p(p: float) -> str:
    """0.31, 0.048, 0.005: three decimals below 0.1, so a bootstrap's smallest p-value does not round to 0.01."""
    return f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


def _span(ci) -> str:
    lo, hi = (ci or [None, None])[:2]
    if lo is not None and hi is not None:
        return f"{lo:.1f} to {hi:.1f}"
    if lo is not None:
        return f"at least {lo:.1f}"
    if hi is not None:
        return f"at most {hi:.1f}"
    return "unbounded"
