"""/open311/v2/: the GeoReport v2 resources, each with a ``.json`` or ``.xml`` suffix."""

from django.urls import re_path

from . import views

app_name = "open311"

FORMAT = r"\.(?P<format>json|xml)$"

urlpatterns = [
    re_path(r"^$", views.discovery, {"format": "xml"}, name="root"),
    re_path(r"^discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, views.services, name="services"),
    re_path(
        r"^services/(?P<service_code>[^/.]{1,40})" + FORMAT,
        views.service_definition,
        name="service",
    ),
    re_path(r"^requests" + FORMAT, views.service_requests, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/.]{1,40})" + FORMAT,
        views.service_request,
        name="request",
    ),
    re_path(r"^tokens/(?P<token>[^/.]{1,64})" + FORMAT, views.token_lookup, name="token"),
    re_path(r"^.", views.unknown, name="unknown"),
]
