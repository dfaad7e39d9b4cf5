"""Export formats: one module per family, and a registry that detects by content."""

from __future__ import annotations

from .base import Format, Parsed, Sniff  # noqa: F401
from .registry import FORMATS, detect_format, register  # noqa: F401

# Importing a family module registers its formats.
from . import canonical  # noqa: F401,E402
from . import ics  # noqa: F401,E402
from . import mbox  # noqa: F401,E402
from . import linkedin  # noqa: F401,E402
from . import google_contacts  # noqa: F401,E402
from . import outlook_contacts  # noqa: F401,E402
from . import vcard  # noqa: F401,E402
from . import hubspot  # noqa: F401,E402
from . import maven  # noqa: F401,E402
from . import salesforce  # noqa: F401,E402
from . import pipedrive  # noqa: F401,E402
from . import linkedin_messages  # noqa: F401,E402
