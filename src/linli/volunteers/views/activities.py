"""volunteers pages: activities."""

urlpatterns: list = []
