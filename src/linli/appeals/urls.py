"""Appeal pages under /appeals/."""

from .views import config, metrics, resident, workbench

app_name = "appeals"

urlpatterns = [
    *resident.urlpatterns,
    *workbench.urlpatterns,
    *metrics.urlpatterns,
    *config.urlpatterns,
]
