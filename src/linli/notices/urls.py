"""notices pages under /notices/."""

from .views import alerts, notices

app_name = "notices"

urlpatterns = [
    *notices.urlpatterns,
    *alerts.urlpatterns,
]
