"""Every write of facilities, by family."""

from .bookings import *  # noqa: F403
from .capacity import *  # noqa: F403
from .facilities import *  # noqa: F403
from .imports import *  # noqa: F403
from .venues import *  # noqa: F403
