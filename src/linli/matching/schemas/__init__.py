"""API schemas of the matching app, by family."""
