"""Every read of the livelihood projects: staff lists, totals and details (``staff``), the
per-area summary (``summary``) and what residents and visitors see (``public``)."""

from .public import *  # noqa: F403
from .staff import *  # noqa: F403
from .summary import *  # noqa: F403
