"""Pandera models of the canonical tables: the contract between the stages.

Validation is lazy (`validate(df, lazy=True)`), so one error lists every problem.
The schemas are written as `DataFrameSchema` objects rather than class-based
models: building a model's schema imports pandera's typing for every installed
backend (dask among them), which costs `netanalysis load` half a second.
The columns of each table and the vocabulary (channels, default minutes, ...)
live in vocabulary.py and is
re-exported here.
"""

from __future__ import annotations

import dataclasses

from pandera.engines import pandas_engine
from pandera.pandas import Check, Column, DataFrameSchema

from netanalysis.io.vocabulary import (  # noqa: F401  (re-exported)
    CHANNELS,
    CONTACT_COLUMNS,
    DEFAULT_MINUTES,
    DIRECTIONS,
    INTERACTION_COLUMNS,
    OTHER_MINUTES,
    OUTCOME_COLUMNS,
    OUTCOME_KINDS,
    OUTCOME_STATUSES,
    PANEL_COLUMNS,
    UTC,
    empty_contacts,
    empty_interactions,
    empty_outcomes,
    invested_minutes,
)

TIME = UTC


@dataclasses.dataclass(frozen=True)
class Text(pandas_engine.STRING):
    """Pandera's string dtype, answering a whole column of strings with one bool.

    Pandera's own check answers a string column with one True per row, and then builds (and
    prints) a table of its failing rows even when there are none: about 1 ms a column on every
    `load`. Any other column (object, numbers) is still judged row by row, the same failures.
    """

    def check(self, pandera_dtype, data_container=None):
        if pandas_engine.Engine.dtype(pandera_dtype).type == self.type:
            return True
        return super().check(pandera_dtype, data_container)


STRING = Text()


def _text(nullable: bool = False, **kw) -> Column:
    return Column(STRING, nullable=nullable, **kw)


def _schema(table: tuple, columns: dict, **kw) -> DataFrameSchema:
    """A model whose columns are exactly the vocabulary's table, in its order."""
    return DataFrameSchema({c: columns[c] for c in table}, strict=False, **kw)


Contacts = _schema(CONTACT_COLUMNS, {
    "contact_id": _text(unique=True),
    "name": _text(nullable=True),
    "emails": Column(object),
    "company": _text(nullable=True),
    "title": _text(nullable=True),
    "linkedin_url": _text(nullable=True),
    "sources": Column(object),
    "first_seen": Column(TIME, nullable=True),
}, coerce=False, name="contacts")

Interactions = _schema(INTERACTION_COLUMNS, {
    "interaction_id": _text(unique=True),
    "contact_id": _text(),
    "timestamp": Column(TIME),
    "channel": _text(checks=Check.isin(CHANNELS)),
    "direction": _text(checks=Check.isin(DIRECTIONS)),
    "duration_minutes": Column(float, nullable=True, checks=Check.ge(0)),
    "source": _text(),
    "source_row": Column(int, checks=Check.ge(0)),
    # One shared meeting, message or deal (see sources/base.py); NA where unknown.
    "group_key": _text(nullable=True, required=False),
}, name="interactions")

Outcomes = _schema(OUTCOME_COLUMNS, {
    "outcome_id": _text(unique=True),
    "contact_id": _text(nullable=True),
    "account": _text(nullable=True),
    "timestamp": Column(TIME),
    "kind": _text(checks=Check.isin(OUTCOME_KINDS)),
    "status": _text(checks=Check.isin(OUTCOME_STATUSES)),
    "value": Column(float, nullable=True),
    "currency": _text(nullable=True),
    "source": _text(),
    "source_row": Column(int, checks=Check.ge(0)),
    "group_key": _text(nullable=True, required=False),
    # When the opportunity opened (CRM create date); NaT where the source does not say.
    "opened_at": Column(TIME, nullable=True, required=False),
}, name="outcomes",
    # An outcome belongs to a contact, an account, or both.
    checks=Check(lambda df: df["contact_id"].notna() | df["account"].notna(), name="someone_owns_it"))

_COUNTS = ("touches", "inbound", "outbound", "months_since_first", "months_since_last", "outcomes_won")
Panel = _schema(PANEL_COLUMNS, {
    "period": Column(TIME),
    **{c: Column(int, checks=Check.ge(0)) for c in _COUNTS},
    **{c: Column(float, checks=Check.ge(0)) for c in PANEL_COLUMNS[1:] if c not in _COUNTS},
}, name="panel")
