from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from linli.api import api

handler400 = "linli.web.views.bad_request"
handler403 = "linli.web.views.permission_denied"
handler404 = "linli.web.views.page_not_found"
handler500 = "linli.web.views.server_error"

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("sysadmin/", admin.site.urls),
    path("registry/", include("linli.registry.urls")),
    path("appeals/", include("linli.appeals.urls")),
    path("care/", include("linli.care.urls")),
    path("grid/", include("linli.gridwork.urls")),
    path("notices/", include("linli.notices.urls")),
    path("facilities/", include("linli.facilities.urls")),
    path("workforce/", include("linli.workforce.urls")),
    path("plans/", include("linli.plans.urls")),
    path("volunteers/", include("linli.volunteers.urls")),
    path("matching/", include("linli.matching.urls")),
    path("open311/v2/", include("linli.appeals.open311.urls")),
    path("", include("linli.core.urls")),
    path("", include("linli.web.urls")),
]
