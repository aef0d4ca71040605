"""Forms of the matching pages, by family."""
