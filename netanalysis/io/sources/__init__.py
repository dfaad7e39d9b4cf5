"""Export formats: one module per family, and a registry that detects by content."""

from __future__ import annotations

from netanalysis.io.sources.base import Format, Parsed, Sniff  # noqa: F401
from netanalysis.io.sources.registry import FORMATS, detect_format, register  # noqa: F401

# Importing a family module registers its formats.
from netanalysis.io.sources import canonical  # noqa: F401
from netanalysis.io.sources import ics  # noqa: F401
from netanalysis.io.sources import mbox  # noqa: F401
from netanalysis.io.sources import linkedin  # noqa: F401
from netanalysis.io.sources import google_contacts  # noqa: F401
from netanalysis.io.sources import outlook_contacts  # noqa: F401
from netanalysis.io.sources import vcard  # noqa: F401
from netanalysis.io.sources import hubspot  # noqa: F401
from netanalysis.io.sources import maven  # noqa: F401
from netanalysis.io.sources import salesforce  # noqa: F401
from netanalysis.io.sources import pipedrive  # noqa: F401
from netanalysis.io.sources import linkedin_messages  # noqa: F401
