"""audit pages."""

urlpatterns: list = []
