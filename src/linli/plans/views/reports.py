"""plans pages: reports."""

urlpatterns: list = []
