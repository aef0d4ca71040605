"""Every read of workforce, by family."""

from .levels import *  # noqa: F403
from .training import *  # noqa: F403
from .training_due import *  # noqa: F403
from .workers import *  # noqa: F403
