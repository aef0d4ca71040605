"""Every write of care, by family."""

from .figures import *  # noqa: F403
from .plans import *  # noqa: F403
from .roster import *  # noqa: F403
from .visits import *  # noqa: F403
