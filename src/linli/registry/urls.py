"""Registry pages under /registry/."""

from .views import grids, imports, ledgers, people, vocabulary

app_name = "registry"

urlpatterns = [
    *people.urlpatterns,
    *grids.urlpatterns,
    *imports.urlpatterns,
    *ledgers.urlpatterns,
    *vocabulary.urlpatterns,
]
