"""The site's URLs plus stand-ins for pages other apps provide (registration, the profile),
so that the shell's links to them can be checked whether or not those apps are installed."""

from django.http import HttpResponse
from django.urls import URLResolver, include, path

from linli import urls as site_urls
from linli.core import urls as core_urls

handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500


def _stand_in(request):
    return HttpResponse("stand-in")


_extra = [
    path("stand-in/register/", _stand_in, name="register"),
    path("stand-in/profile/", _stand_in, name="profile"),
    path("stand-in/users/", _stand_in, name="user_list"),
    path("stand-in/audit/", _stand_in, name="audit_list"),
]

urlpatterns = [
    path("", include(([*core_urls.urlpatterns, *_extra], "core")))
    if isinstance(entry, URLResolver) and entry.namespace == "core"
    else entry
    for entry in site_urls.urlpatterns
]
