"""matching pages under /matching/, by family: ``lists`` (needs, resources, matching) and
``projects`` (livelihood projects, their milestones and published progress)."""

from . import lists, projects

__all__ = ["lists", "projects"]
