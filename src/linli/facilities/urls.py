"""facilities pages under /facilities/."""

from .views import bookings, capacity, facilities, venues

app_name = "facilities"

urlpatterns = [
    *facilities.urlpatterns,
    *venues.urlpatterns,
    *bookings.urlpatterns,
    *capacity.urlpatterns,
]
