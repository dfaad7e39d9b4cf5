"""The canonical vocabulary: channels, directions, outcome kinds, default minutes, empty tables.

Kept apart from the pandera models (schema.py) so the fast paths (`load`,
`panel`) do not pay for importing pandera.
"""

from __future__ import annotations

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
        "opened_at": pd.Series([], dtype=UTC),
    })


def invested_minutes(interactions: pd.DataFrame, defaults: dict | None = None) -> pd.Series:
    """Minutes invested per interaction: the recorded duration, else the channel default."""
    table = {**DEFAULT_MINUTES, **(defaults or {})}
    fallback = interactions["channel"].map(table).astype(float).fillna(OTHER_MINUTES)
    return interactions["duration_minutes"].astype(float).fillna(fallback)
