"""(being written)"""

from django.http import HttpResponse
from django.urls import path


def _todo(request, appeal_id):
    return HttpResponse("")


urlpatterns: list = [
    path("mine/<int:appeal_id>/", _todo, name="my_detail"),
    path("<int:appeal_id>/", _todo, name="detail"),
]
