"""Every write of gridwork, by family."""

from .items import *  # noqa: F403
from .logs import *  # noqa: F403
from .tasks import *  # noqa: F403
