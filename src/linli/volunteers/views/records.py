"""volunteers pages: records. (Being written: the routes below are the names other families link to.)"""

from django.http import Http404
from django.urls import path


def my_hours(request):
    raise Http404


urlpatterns = [
    path("me/hours/", my_hours, name="my_hours"),
]
