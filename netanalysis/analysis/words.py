"""Numbers in words for templated sentences: "1 month", "2 months", "6 minutes", "under 0.1%", never "1 months"."""

from __future__ import annotations


def plural(n: float, word: str, fmt: str = "g") -> str:
    """`n` and `word`, with an "s" unless `n` reads as exactly 1.

    >>> plural(1, "month"), plural(2, "month"), plural(0.5, "month"), plural(1.04, "month", ".1f")
    ('1 month', '2 months', '0.5 months', '1.0 month')
    """
    shown = format(n, fmt)
    return f"{shown} {word}" + ("" if float(shown.replace(",", "")) == 1 else "s")


def months(n: float, fmt: str = "g") -> str:
    """'1 month', '3 months', '0.4 months' (`fmt` formats the number).

    >>> months(1), months(36), months(2.345, ".1f")
    ('1 month', '36 months', '2.3 months')
    """
    return plural(n, "month", fmt)


def small_percent(share: float) -> str:
    """A chance with one decimal, or 'under 0.1%' where that would print a non-zero chance as 0.0%.

    >>> small_percent(0.0331), small_percent(0.0004), small_percent(0.0)
    ('3.3%', 'under 0.1%', '0.0%')
    """
    return "under 0.1%" if 0 < share < 0.0005 else f"{share:.1%}"


def describe_hours(hours: float) -> str:
    """'2 hours', '1 hour', '0.5 hours', or minutes below a quarter of an hour ('6 minutes').

    >>> describe_hours(2.0), describe_hours(1.0), describe_hours(0.5), describe_hours(0.1), describe_hours(13 / 3)
    ('2 hours', '1 hour', '0.5 hours', '6 minutes', '4.3 hours')
    """
    if hours < 0.25:
        return plural(round(hours * 60), "minute")
    return plural(round(hours, 1), "hour")
