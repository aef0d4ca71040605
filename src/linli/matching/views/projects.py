"""matching pages: projects. (Being written: the routes below are the names the menu links to.)"""

from django.http import Http404
from django.urls import path


def project_list(request):
    raise Http404


def public_projects(request):
    raise Http404


urlpatterns = [
    path("projects/", project_list, name="projects"),
    path("projects/public/", public_projects, name="public_projects"),
]
