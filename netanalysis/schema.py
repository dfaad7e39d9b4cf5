"""Pandera models of the canonical tables: the contract between the stages.

Validation is lazy (`validate(df, lazy=True)`), so one error lists every problem.
"""

from __future__ import annotations

from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

CHANNELS = (
    "meeting", "call", "email", "message", "event", "connection",
    "invitation", "endorsement", "recommendation", "note", "task",
)
DIRECTIONS = ("outbound", "inbound", "mutual", "unknown")
OUTCOME_KINDS = ("deal", "referral", "job_offer", "introduction", "partnership", "other")
OUTCOME_STATUSES = ("won", "lost", "open")

# Invested minutes when the source does not record a duration (DESIGN.md).
DEFAULT_MINUTES = {
    "meeting": 60.0, "event": 90.0, "call": 20.0, "recommendation": 15.0,
    "email": 5.0, "message": 2.0,
}
OTHER_MINUTES = 1.0

UTC = pd.DatetimeTZDtype("ns", "UTC")


class Contacts(pa.DataFrameModel):
    contact_id: Series[str] = pa.Field(unique=True)
    name: Series[str] = pa.Field(nullable=True)
    emails: Series[object]
    company: Series[str] = pa.Field(nullable=True)
    title: Series[str] = pa.Field(nullable=True)
    linkedin_url: Series[str] = pa.Field(nullable=True)
    sources: Series[object]
    first_seen: Series[UTC] = pa.Field(nullable=True)  # type: ignore[valid-type]

    class Config:
        strict = False
        coerce = False


class Interactions(pa.DataFrameModel):
    interaction_id: Series[str] = pa.Field(unique=True)
    contact_id: Series[str]
    timestamp: Series[UTC]  # type: ignore[valid-type]
    channel: Series[str] = pa.Field(isin=CHANNELS)
    direction: Series[str] = pa.Field(isin=DIRECTIONS)
    duration_minutes: Series[float] = pa.Field(nullable=True, ge=0)
    source: Series[str]
    source_row: Series[int] = pa.Field(ge=0)
    # One shared meeting, message or deal (see sources/base.py); NA where unknown.
    group_key: Optional[Series[str]] = pa.Field(nullable=True)

    class Config:
        strict = False


class Outcomes(pa.DataFrameModel):
    outcome_id: Series[str] = pa.Field(unique=True)
    contact_id: Series[str] = pa.Field(nullable=True)
    account: Series[str] = pa.Field(nullable=True)
    timestamp: Series[UTC]  # type: ignore[valid-type]
    kind: Series[str] = pa.Field(isin=OUTCOME_KINDS)
    status: Series[str] = pa.Field(isin=OUTCOME_STATUSES)
    value: Series[float] = pa.Field(nullable=True)
    currency: Series[str] = pa.Field(nullable=True)
    source: Series[str]
    source_row: Series[int] = pa.Field(ge=0)
    group_key: Optional[Series[str]] = pa.Field(nullable=True)

    class Config:
        strict = False

    @pa.dataframe_check
    def someone_owns_it(cls, df: pd.DataFrame) -> Series[bool]:
        """An outcome belongs to a contact, an account, or both."""
        return df["contact_id"].notna() | df["account"].notna()


class Panel(pa.DataFrameModel):
    period: Series[UTC]  # type: ignore[valid-type]
    touches: Series[int] = pa.Field(ge=0)
    minutes: Series[float] = pa.Field(ge=0)
    inbound: Series[int] = pa.Field(ge=0)
    outbound: Series[int] = pa.Field(ge=0)
    cum_minutes: Series[float] = pa.Field(ge=0)
    stock: Series[float] = pa.Field(ge=0)
    months_since_first: Series[int] = pa.Field(ge=0)
    months_since_last: Series[int] = pa.Field(ge=0)
    outcomes_won: Series[int] = pa.Field(ge=0)
    value_won: Series[float] = pa.Field(ge=0)

    class Config:
        strict = False


def empty_contacts() -> pd.DataFrame:
    return pd.DataFrame({
        "contact_id": pd.Series([], dtype=str), "name": pd.Series([], dtype=str),
        "emails": pd.Series([], dtype=object), "company": pd.Series([], dtype=str),
        "title": pd.Series([], dtype=str), "linkedin_url": pd.Series([], dtype=str),
        "sources": pd.Series([], dtype=object), "first_seen": pd.Series([], dtype=UTC),
    })


def empty_interactions() -> pd.DataFrame:
    return pd.DataFrame({
        "interaction_id": pd.Series([], dtype=str), "contact_id": pd.Series([], dtype=str),
        "timestamp": pd.Series([], dtype=UTC), "channel": pd.Series([], dtype=str),
        "direction": pd.Series([], dtype=str), "duration_minutes": pd.Series([], dtype=float),
        "source": pd.Series([], dtype=str), "source_row": pd.Series([], dtype="int64"),
    })


def empty_outcomes() -> pd.DataFrame:
    return pd.DataFrame({
        "outcome_id": pd.Series([], dtype=str), "contact_id": pd.Series([], dtype=str),
        "account": pd.Series([], dtype=str), "timestamp": pd.Series([], dtype=UTC),
        "kind": pd.Series([], dtype=str), "status": pd.Series([], dtype=str),
        "value": pd.Series([], dtype=float), "currency": pd.Series([], dtype=str),
        "source": pd.Series([], dtype=str), "source_row": pd.Series([], dtype="int64"),
    })


def invested_minutes(interactions: pd.DataFrame, defaults: dict | None = None) -> pd.Series:
    """Minutes invested per interaction: the recorded duration, else the channel default."""
    table = {**DEFAULT_MINUTES, **(defaults or {})}
    fallback = interactions["channel"].map(table).astype(float).fillna(OTHER_MINUTES)
    return interactions["duration_minutes"].astype(float).fillna(fallback)
