"""Every read of gridwork, by family."""

from .day import *  # noqa: F403
from .items import *  # noqa: F403
from .logs import *  # noqa: F403
from .tasks import *  # noqa: F403
