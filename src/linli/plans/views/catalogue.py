"""plans pages: catalogue."""

urlpatterns: list = []
