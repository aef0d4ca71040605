"""volunteers pages: activities. (Being written: the routes below are the names other families link to.)"""

from django.http import Http404
from django.urls import path


def my_activities(request):
    raise Http404


urlpatterns = [
    path("me/activities/", my_activities, name="my_activities"),
]
