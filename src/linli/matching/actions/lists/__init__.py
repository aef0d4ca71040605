"""Every write of the needs and resources lists and of matching, by family: needs, resources
(and bringing teams and venues in), matches."""

from .matches import *  # noqa: F403
from .needs import *  # noqa: F403
from .resources import *  # noqa: F403
from .sync import *  # noqa: F403
