"""plans pages under /plans/."""

from .views import catalogue, dashboard, ledger, reports, values

app_name = "plans"

urlpatterns = [
    *catalogue.urlpatterns,
    *dashboard.urlpatterns,
    *values.urlpatterns,
    *ledger.urlpatterns,
    *reports.urlpatterns,
]
