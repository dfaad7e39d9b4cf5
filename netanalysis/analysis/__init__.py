"""The analyses, one subpackage per question: returns, predict, network.

Each takes the cut-off as ``as_of: pd.Timestamp | None`` (None: the data's last
record), parsed once where the run started; see :mod:`netanalysis.dates`.
"""
