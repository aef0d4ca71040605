"""matching queries (every read), by family: ``lists`` and ``projects``."""
