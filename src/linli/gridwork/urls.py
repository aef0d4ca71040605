"""gridwork pages under /gridwork/."""

from .views import day, items, tasks

app_name = "gridwork"

urlpatterns = [
    *items.urlpatterns,
    *tasks.urlpatterns,
    *day.urlpatterns,
]
