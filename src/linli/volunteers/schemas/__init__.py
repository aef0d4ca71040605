"""API schemas of the volunteers app, by family."""
