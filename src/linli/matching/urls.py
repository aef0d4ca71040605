"""matching pages under /matching/."""

from .views import lists, projects

app_name = "matching"

urlpatterns = [
    *lists.urlpatterns,
    *projects.urlpatterns,
]
