"""Every read of care, by family."""

from .rate import *  # noqa: F403
from .roster import *  # noqa: F403
from .visits import *  # noqa: F403
