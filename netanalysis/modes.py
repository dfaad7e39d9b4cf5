"""The modes a user picks by name: the unit of analysis, the panel's frequency, the report's period.

String enums: a member equals its plain string (``Unit.CONTACT == "contact"``),
so users keep passing and reading plain strings.
"""

from __future__ import annotations

from enum import Enum


class Unit(str, Enum):
    """Who a relationship is with: one contact, or the account (company) they belong to."""

    CONTACT = "contact"
    ACCOUNT = "account"

    def __str__(self) -> str:
        return self.value


class Freq(str, Enum):
    """The panel's period length: M (month) or Q (quarter)."""

    M = "M"
    Q = "Q"

    def __str__(self) -> str:
        return self.value


class Period(str, Enum):
    """The report's period: month or quarter."""

    MONTH = "month"
    QUARTER = "quarter"

    def __str__(self) -> str:
        return self.value


def values(mode: type[Enum]) -> tuple[str, ...]:
    """The plain strings a mode accepts, in order."""
    return tuple(m.value for m in mode)
