"""areas pages."""

urlpatterns: list = []
