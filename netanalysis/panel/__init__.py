"""The unit x period investment panel and the `netanalysis panel` command.

The cut-off is ``as_of: pd.Timestamp | None`` (None: the data's last record); the
CLI parses the user's text (see :mod:`netanalysis.dates`).
"""
