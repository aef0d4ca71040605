"""volunteers pages: records."""

urlpatterns: list = []
