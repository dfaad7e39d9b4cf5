"""The Maven Analytics "CRM sales opportunities" teaching dataset (../shared/datasets/maven_crm/).

An account-level B2B pipeline, meant for ``unit="account"`` analyses:

- ``sales_pipeline.csv`` (opportunity_id, sales_agent, product, account,
  deal_stage, engage_date, close_date, close_value): each opportunity's
  `engage_date` is one interaction with the account, channel "meeting"
  (engaging an account means a first sales meeting; its length is unknown, so
  the meeting default applies); a Won/Lost `close_date` is one outcome (kind
  "deal", value `close_value`, currency USD) belonging to the account. Rows
  without an account (1,425 in the original) are rejected with that reason;
  Prospecting rows have no engage_date and are rejected as "not engaged yet".
- ``accounts.csv``: each account is one contact whose name and company are the
  account's name, so ``unit="contact"`` and ``unit="account"`` coincide and the
  pipeline's interactions and outcomes attach to it.
- ``products.csv`` and ``sales_teams.csv`` are recognised and load nothing:
  every row is rejected as a reference table (they describe the seller's side).

The sales agents are the owner's side and never become contacts.
"""

from __future__ import annotations

import pandas as pd

from netanalysis.io.sources.base import Format, Sniff, read_csv_table
from netanalysis.io.sources.crm import build, col, first_reason, header, money, times
from netanalysis.io.sources.registry import register

SOURCE = "maven"
PIPELINE = ["opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date", "close_date",
            "close_value"]
ACCOUNTS = ["account", "sector", "year_established", "revenue", "employees", "office_location"]
PRODUCTS = ["product", "series", "sales_price"]
TEAMS = ["sales_agent", "manager", "regional_office"]


def _needs(required, one_of=(), forbid=("opportunity_id",)):
    """Score by what the reader needs: all of `required`, one of `one_of` (a field that tells
    the table apart), none of `forbid`; other columns may be left out of the export."""
    def detect(sn: Sniff) -> float:
        cols = {c.lower() for c in header(sn)}
        if not set(required) <= cols or cols & set(forbid) or (one_of and not cols & set(one_of)):
            return 0.0
        return 0.96
    return detect


def read_pipeline(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    account = col(r, "account")
    stage = col(r, "deal_stage").str.lower()
    engage = times(col(r, "engage_date"), ctx.tz)
    close = times(col(r, "close_date"), ctx.tz)
    value_raw = col(r, "close_value")
    value, value_why = money(value_raw, "close_value")
    closed = stage.isin(["won", "lost"])
    reason = first_reason(
        (col(r, "opportunity_id") == "", "missing opportunity_id"),
        (account == "", "no account: the opportunity belongs to nobody"),
        (~stage.isin(["prospecting", "engaging", "won", "lost"]), "unknown deal_stage"),
        ((stage == "prospecting") & engage.isna(), "Prospecting: not engaged yet (no engage_date)"),
        (engage.isna(), "unparseable engage_date"),
        (closed & close.isna(), "Won/Lost without a readable close_date"),
        (closed & value_why.notna(), value_why),
    )
    ok = reason.isna()
    opp = col(r, "opportunity_id")
    inter = pd.DataFrame({
        "ref": account[ok], "timestamp": engage[ok], "channel": "meeting", "direction": "outbound",
        "duration_minutes": float("nan"), "source_row": r.loc[ok, "__row__"],
        "natural_key": "engage|" + opp[ok], "group_key": "opportunity|" + opp[ok],
    })
    won_lost = ok & closed
    outc = pd.DataFrame({
        "ref": account[won_lost], "account": account[won_lost], "timestamp": close[won_lost], "kind": "deal",
        "status": stage[won_lost], "value": value[won_lost], "currency": "USD",
        "source_row": r.loc[won_lost, "__row__"], "natural_key": "deal|" + opp[won_lost],
        "group_key": "opportunity|" + opp[won_lost], "opened_at": engage[won_lost],
    })
    names = account[ok].drop_duplicates()
    people = pd.DataFrame({"ref": names, "name": names, "company": names, "emails": [[] for _ in names]})
    return build("maven_pipeline", SOURCE, t, reason, people=people, inter=inter, outc=outc)


def read_accounts(path, sn: Sniff, ctx):
    t = read_csv_table(path, sn.encoding)
    r = t.rows
    account = col(r, "account")
    reason = first_reason((account == "", "missing account name"))
    ok = reason.isna()
    people = pd.DataFrame({"ref": account[ok], "name": account[ok], "company": account[ok],
                           "emails": [[] for _ in range(int(ok.sum()))], "source_row": r.loc[ok, "__row__"],
                           "record_key": "account|" + account[ok]})
    return build("maven_accounts", SOURCE, t, reason, people=people)


def _reference(fmt: str, what: str):
    def read(path, sn: Sniff, ctx):
        t = read_csv_table(path, sn.encoding)
        reason = pd.Series(f"reference table ({what}): no people, interactions or outcomes", index=t.rows.index,
                           dtype="string")
        return build(fmt, SOURCE, t, reason)
    return read


register(Format("maven_pipeline", SOURCE, _needs(["opportunity_id", "account", "deal_stage", "engage_date"], forbid=()),
                read_pipeline, ",".join(PIPELINE)))
register(Format("maven_accounts", SOURCE, _needs(["account"], ACCOUNTS[1:]), read_accounts, ",".join(ACCOUNTS)))
register(Format("maven_products", SOURCE, _needs(["product"], PRODUCTS[1:]), _reference("maven_products", "the seller's products"),
                ",".join(PRODUCTS)))
register(Format("maven_sales_teams", SOURCE, _needs(["sales_agent"], TEAMS[1:]), _reference("maven_sales_teams", "the seller's sales agents"),
                ",".join(TEAMS)))
