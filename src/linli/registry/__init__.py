"""The resident registry: buildings, households, residents, group tags, grids and grid staff."""
