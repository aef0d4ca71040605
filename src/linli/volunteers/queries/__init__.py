"""volunteers queries (every read), by family: ``people``, ``activities``, ``records``,
``certificates`` — the same families as the actions."""
