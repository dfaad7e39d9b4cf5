"""The CRM teaching dataset (account level): engagement-to-close figures pinned by plain pandas on the raw CSV."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import netanalysis
from netanalysis.analysis.returns.deal_cycles import deal_cycles
from netanalysis.analysis.returns.first_outcome import first_outcome_table
from netanalysis.analysis.returns.kaplan_meier import KaplanMeier

MAVEN = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "maven_crm"
pytestmark = pytest.mark.skipif(not (MAVEN / "sales_pipeline.csv").exists(), reason="Maven CRM dataset not present")


@pytest.fixture(scope="module")
def maven():
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv")
    raw = raw[raw["account"].notna() & raw["engage_date"].notna()]
    raw["engage"] = pd.to_datetime(raw["engage_date"])
    raw["close"] = pd.to_datetime(raw["close_date"])
    return netanalysis.load([MAVEN]), raw


def test_median_engage_to_won_days_and_30_day_share(maven):
    ds, raw = maven
    won = raw[raw["deal_stage"] == "Won"]
    expected_days = (won["close"] - won["engage"]).dt.days
    cycles = deal_cycles(ds, unit="account")
    ours = cycles[cycles["status"] == "won"]
    assert len(ours) == len(won)
    assert ours["days"].median() == pytest.approx(expected_days.median())
    assert (ours["days"] <= 30).mean() == pytest.approx((expected_days <= 30).mean())
    assert (cycles["status"] == "open").sum() == (raw["deal_stage"] == "Engaging").sum()


def test_account_time_to_first_won_deal(maven):
    ds, raw = maven
    start = raw.groupby("account")["engage"].min()
    first_won = raw[raw["deal_stage"] == "Won"].groupby("account")["close"].min()
    assert first_won.index.equals(start.index)  # every account won a deal, so nothing is censored
    months = np.sort(((first_won - start).dt.days / 30.4375).to_numpy())
    # with no censoring the Kaplan-Meier median is the first time at which half have had an event
    expected_median = months[int(np.ceil(len(months) / 2)) - 1]
    table = first_outcome_table(ds, unit="account")
    assert len(table) == len(start) and table["event"].all()
    km = KaplanMeier.fit(table["months"], table["event"])
    assert km.median()[0] == pytest.approx(expected_median)
    assert km.probability_by(3.0)[0] == pytest.approx((months <= 3.0).mean())
