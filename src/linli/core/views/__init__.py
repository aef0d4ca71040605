"""Pages of the core app, one module per family; each module exports its ``urlpatterns``."""
