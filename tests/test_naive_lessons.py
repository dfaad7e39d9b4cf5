"""The classroom's 'how a naive reading is fooled' page: rate ratios by hand, and the lessons on known worlds."""

import pandas as pd
import pytest

from netanalysis.classroom.naive_readings import (
    _between,
    _within,
    confounding_lesson,
    describe_confounding_lesson,
    describe_reverse_lesson,
    lesson_metrics,
    lesson_worlds,
    reverse_causation_lesson,
)


def test_within_contact_mantel_haenszel_by_hand():
    cm = pd.DataFrame({"contact_id": ["a"] * 4 + ["b"] * 4,
                       "recent": [0, 10, 20, 30, 5, 5, 50, 50], "won": [0, 0, 1, 1, 1, 0, 0, 1.0]})
    # a: busier months (above its median 15) 2 of 2 won, quieter 0 of 2: a*n0/N = 2*2/4, b*n1/N = 0
    # b: busier (above 27.5) 1 of 2, quieter 1 of 2: 1*2/4 each.  (1 + 0.5) / (0 + 0.5) = 3
    r = _within(cm, n_boot=50, seed=0)
    assert r.ratio == pytest.approx(3.0) and r.contacts == 2 and r.won_months == 4


def test_between_contacts_by_hand():
    rows = []
    for k, wins in enumerate([1, 0, 0, 0, 2, 4]):
        rows += [{"contact_id": f"c{k}", "minutes": float(k + 1), "won": float(m < wins)} for m in range(10)]
    # mean minutes 1..6: top third (5, 6) win 6 of 20 months, bottom third (1, 2) 1 of 20
    r = _between(pd.DataFrame(rows), n_boot=50, seed=0)
    assert r.ratio == pytest.approx(6.0) and r.contacts == 6


@pytest.fixture(scope="module")
def lessons():
    worlds = lesson_worlds(contacts=300, months=36, seed=0)
    return reverse_causation_lesson(seed=0, worlds=worlds, n_boot=200), confounding_lesson(seed=0, worlds=worlds, n_boot=200)


def test_reverse_world_piles_up_before_wins_and_carryover_does_not(lessons):
    reverse, _ = lessons
    assert reverse.naive_before_win > 3 * reverse.naive_typical  # the naive reading is fooled
    assert reverse.reverse.near_to_far_ci[0] > 1.5
    assert reverse.carryover.near_to_far_ci[0] < 1 < reverse.carryover.near_to_far_ci[1]
    assert "no last-minute pile-up" in describe_reverse_lesson(reverse)


def test_confounding_fools_the_between_comparison_only(lessons):
    _, table = lessons
    c, k = table.loc["confounded"], table.loc["carryover"]
    assert c["between"].ci[0] > 1  # naive: more-met contacts win more
    assert c["within"].ci[0] <= 1 <= c["within"].ci[1]  # minutes do nothing within a contact
    assert k["within"].ci[0] > 1  # where time counts, the honest view sees it
    assert not c["time_drives_outcomes"] and k["time_drives_outcomes"]
    assert "no clear gap" in describe_confounding_lesson(table)


def test_lesson_metrics_are_plain_numbers(lessons):
    m = lesson_metrics(*lessons)
    assert m["fooled_reverse_near_to_far_ratio"] > 1.5
    assert m["fooled_confounded_within_contacts_ratio_n"] > 0
