"""volunteers pages: people. (Being written: the routes below are the names other families link to.)"""

from django.http import Http404
from django.urls import path


def volunteer_home(request):
    raise Http404


def me(request):
    raise Http404


urlpatterns = [
    path("", volunteer_home, name="home"),
    path("me/", me, name="me"),
]
