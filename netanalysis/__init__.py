"""netanalysis: how the time invested in relationships relates to the outcomes that come back.

>>> import netanalysis
>>> ds = netanalysis.load(["data/sample"])  # doctest: +SKIP
"""

from .dataset import Dataset
from .errors import UserError
from .loader import load

__all__ = ["Dataset", "UserError", "load"]
__version__ = "0.1.0"
