"""Every read of notices, by family."""

from .alerts import *  # noqa: F403
from .notices import *  # noqa: F403
