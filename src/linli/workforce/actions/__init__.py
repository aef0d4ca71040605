"""Every write of workforce, by family."""

from .exports import *  # noqa: F403
from .imports import *  # noqa: F403
from .levels import *  # noqa: F403
from .training import *  # noqa: F403
from .workers import *  # noqa: F403
