"""matching actions (every write), by family: ``lists`` (needs, resources, matches) and ``projects`` (livelihood projects)."""
