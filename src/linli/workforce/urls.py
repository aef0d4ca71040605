"""workforce pages under /workforce/."""

from .views import training, workers

app_name = "workforce"

urlpatterns = [
    *workers.urlpatterns,
    *training.urlpatterns,
]
