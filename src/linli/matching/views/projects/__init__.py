"""matching pages: livelihood projects (民生项目清单) — staff pages (``staff``: list, one
project, the summary per area; ``edit``: the forms) and what residents and visitors see
(``public``: the published projects of a place, one project, the home block)."""

from django.urls import path

from . import edit, public, staff

urlpatterns = [
    path("projects/", staff.project_list, name="projects"),
    path("projects/summary/", staff.project_summary, name="project_summary"),
    path("projects/<int:pk>/", staff.project, name="project"),
    *edit.urlpatterns,
    path("projects/public/", public.public_projects, name="public_projects"),
    path("projects/public/<int:pk>/", public.public_project, name="public_project"),
]

__all__ = ["urlpatterns"]
