"""The delayed-returns page's summary parts: numbers worked out by hand on tiny frames, page order kept."""

import pandas as pd

from netanalysis.analysis.returns.summary_parts import Part, deal_cycles_part, deal_work_part, figure_part, gather


def test_deal_cycles_part_by_hand():
    # Two wins after 10 and 30 days (median 20), one loss, one deal still open: 2 of 3 decided deals won.
    cycles = pd.DataFrame({"status": ["won", "won", "lost", "open"], "days": [10, 30, 50, 5]})
    part = deal_cycles_part(cycles)
    assert part.metrics == {"deal_engage_to_won_median_days": 20.0, "deal_engage_to_won_median_days_n": 2,
                            "deal_win_rate_of_closed": 2 / 3}
    assert part.notes == [] and list(part.captions) == ["03_deal_cycle_lags", "03_deal_decided"]


def test_missing_results_are_null_with_a_reason():
    none_won = deal_cycles_part(pd.DataFrame({"status": ["lost", "open"], "days": [3, 4]}))
    assert none_won.metrics == {"deal_engage_to_won_median_days": None}
    assert none_won.notes[0].startswith("deal_engage_to_won_median_days: ")
    no_work = deal_work_part(None)
    assert no_work.metrics == {"deal_work_share_of_hours": None}
    assert no_work.notes[0].startswith("deal_work_share_of_hours: ")


def test_gather_keeps_page_order_and_skips_undrawn_figures():
    first = Part({"b": 1}, ["b: first"], {"03_x": "X."})
    second = Part({"a": 2}, ["a: second"])
    whole = gather(first, figure_part("03_cohorts", False), second, figure_part("03_cohorts", True))
    assert list(whole.metrics) == ["b", "a"] and whole.notes == ["b: first", "a: second"]
    assert list(whole.captions) == ["03_x", "03_cohorts"]
