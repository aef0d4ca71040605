"""care pages under /care/."""

from .views import home, roster, visits

app_name = "care"

urlpatterns = [
    *roster.urlpatterns,
    *visits.urlpatterns,
    *home.urlpatterns,
]
