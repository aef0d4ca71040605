"""The site's URLs plus pages that fail on purpose, to check the error pages."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from linli import urls as site_urls

handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500


def _forbidden(request):
    raise PermissionDenied


def _suspicious(request):
    raise SuspiciousOperation("tampered input")


def _broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("fail/403/", _forbidden),
    path("fail/400/", _suspicious),
    path("fail/500/", _broken),
    *site_urls.urlpatterns,
]
