"""Forms of the volunteers pages, by family."""
