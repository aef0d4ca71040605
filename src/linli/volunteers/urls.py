"""volunteers pages under /volunteers/."""

from .views import activities, certificates, people, records

app_name = "volunteers"

urlpatterns = [
    *people.urlpatterns,
    *activities.urlpatterns,
    *records.urlpatterns,
    *certificates.urlpatterns,
]
