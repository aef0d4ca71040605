"""Registry pages under /registry/."""

from .views import grids, imports, ledgers, people

app_name = "registry"

urlpatterns = [
    *people.urlpatterns,
    *grids.urlpatterns,
    *imports.urlpatterns,
    *ledgers.urlpatterns,
]
