"""volunteers pages: people."""

urlpatterns: list = []
