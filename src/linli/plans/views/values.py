"""plans pages: values."""

urlpatterns: list = []
