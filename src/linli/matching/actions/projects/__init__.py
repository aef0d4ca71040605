"""Every write of the livelihood projects (民生项目清单): the projects, the needs they answer,
their milestones and their progress updates."""

from .progress import *  # noqa: F403
from .projects import *  # noqa: F403
