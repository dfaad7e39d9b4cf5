"""The canonical vocabulary: channels, directions, outcome kinds, default minutes, empty tables.

Kept apart from the pandera models (schema.py) so the fast paths (`load`,
`panel`) do not pay for importing pandera.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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


# The canonical tables (DESIGN.md), column -> dtype in order: the one definition
# of their columns. The pandera models (schema.py), the empty tables, the loader's
# column order and the source records (sources/base.py) are built from these.
# `group_key` and `opened_at` are optional (NA where the source does not say).
CONTACTS_TABLE = {
    "contact_id": str, "name": str, "emails": object, "company": str, "title": str,
    "linkedin_url": str, "sources": object, "first_seen": UTC,
}
INTERACTIONS_TABLE = {
    "interaction_id": str, "contact_id": str, "timestamp": UTC, "channel": str, "direction": str,
    "duration_minutes": float, "source": str, "source_row": "int64", "group_key": str,
}
OUTCOMES_TABLE = {
    "outcome_id": str, "contact_id": str, "account": str, "timestamp": UTC, "kind": str, "status": str,
    "value": float, "currency": str, "source": str, "source_row": "int64", "group_key": str, "opened_at": UTC,
}
OPTIONAL_COLUMNS = ("group_key", "opened_at")
CONTACT_COLUMNS = tuple(CONTACTS_TABLE)
INTERACTION_COLUMNS = tuple(INTERACTIONS_TABLE)
OUTCOME_COLUMNS = tuple(OUTCOMES_TABLE)
# The panel's columns after the unit column (panel/build.py).
PANEL_COLUMNS = ("period", "touches", "minutes", "inbound", "outbound", "cum_minutes", "stock",
                 "months_since_first", "months_since_last", "outcomes_won", "value_won")


def text_columns(table: dict) -> list[str]:
    """The required text columns of a table definition."""
    return [c for c, t in table.items() if t is str and c not in OPTIONAL_COLUMNS]


def _empty(table: dict, skip: tuple = ()) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in table.items() if c not in skip})


def empty_contacts() -> pd.DataFrame:
    return _empty(CONTACTS_TABLE)


def empty_interactions() -> pd.DataFrame:
    # Without the optional group_key, as the loader expects from an empty source.
    return _empty(INTERACTIONS_TABLE, skip=("group_key",))


def empty_outcomes() -> pd.DataFrame:
    return _empty(OUTCOMES_TABLE, skip=("group_key",))


def invested_minutes(interactions: pd.DataFrame, defaults: dict | None = None) -> pd.Series:
    """Minutes invested per interaction: the recorded duration, else the channel default."""
    table = {**DEFAULT_MINUTES, **(defaults or {})}
    # Each distinct channel is looked up once: a handful of channels, millions of interactions.
    codes, channels = pd.factorize(interactions["channel"])
    per_channel = pd.Series(channels).map(table).astype(float).fillna(OTHER_MINUTES).to_numpy()
    fallback = pd.Series(np.r_[per_channel, OTHER_MINUTES][codes], index=interactions.index)  # -1: no channel
    return interactions["duration_minutes"].astype(float).fillna(fallback)
