"""netanalysis: how the time invested in relationships relates to the outcomes that come back."""

from netanalysis.errors import UserError

__all__ = ["Dataset", "UserError", "load"]
__version__ = "0.1.0"


def __getattr__(name):
    # Loaded on first use: pandera and pandas cost about a second of start-up,
    # which every notebook kernel and `netanalysis classroom` would otherwise pay.
    if name == "Dataset":
        from netanalysis.dataset import Dataset

        return Dataset
    if name == "load":
        from netanalysis.io.loader import load

        return load
    raise AttributeError(f"module 'netanalysis' has no attribute {name!r}")
