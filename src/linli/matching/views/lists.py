"""matching pages: lists. (Being written: the routes below are the names the menu links to.)"""

from django.http import Http404
from django.urls import path


def need_list(request):
    raise Http404


urlpatterns = [
    path("needs/", need_list, name="needs"),
]
