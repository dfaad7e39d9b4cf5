"""Pandera models of the canonical tables: the contract between the stages.

Validation is lazy (`validate(df, lazy=True)`), so one error lists every problem.
The vocabulary (channels, default minutes, ...) lives in vocab.py and is
re-exported here.
"""

from __future__ import annotations

from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from .vocab import (  # noqa: F401  (re-exported)
    CHANNELS, DEFAULT_MINUTES, DIRECTIONS, OTHER_MINUTES, OUTCOME_KINDS, OUTCOME_STATUSES, UTC,
    empty_contacts, empty_interactions, empty_outcomes, invested_minutes,
)


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
