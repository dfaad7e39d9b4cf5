"""Export formats: one module per family, and a registry that detects by content."""

from __future__ import annotations

# Importing a family module registers its formats.
from netanalysis.io.sources import (
    canonical,  # noqa: F401
    google_contacts,  # noqa: F401
    hubspot,  # noqa: F401
    ics,  # noqa: F401
    linkedin,  # noqa: F401
    linkedin_messages,  # noqa: F401
    maven,  # noqa: F401
    mbox,  # noqa: F401
    outlook_contacts,  # noqa: F401
    pipedrive,  # noqa: F401
    salesforce,  # noqa: F401
    vcard,  # noqa: F401
)
from netanalysis.io.sources.base import Format, Parsed, Sniff  # noqa: F401
from netanalysis.io.sources.registry import FORMATS, detect_format, register  # noqa: F401
