"""Every write of workforce, by family."""

from .training import *  # noqa: F403
from .workers import *  # noqa: F403
