"""volunteers pages: certificates. (Being written: the routes below are the names other families link to.)"""

from django.http import Http404
from django.urls import path


def my_certificates(request):
    raise Http404


urlpatterns = [
    path("me/certificates/", my_certificates, name="my_certificates"),
]
