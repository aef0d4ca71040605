from .views import accounts, areas, audit, auth, notifications

app_name = "core"

urlpatterns = [*auth.urlpatterns, *areas.urlpatterns, *accounts.urlpatterns, *audit.urlpatterns]
urlpatterns += notifications.urlpatterns
