"""plans pages: dashboard."""

urlpatterns: list = []
