from .views import accounts, areas, audit, auth

app_name = "core"

urlpatterns = [*auth.urlpatterns, *areas.urlpatterns, *accounts.urlpatterns, *audit.urlpatterns]
