"""accounts pages."""

urlpatterns: list = []
