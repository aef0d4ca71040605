"""volunteers pages: certificates."""

urlpatterns: list = []
