"""volunteers pages: activities (projects, activities, shifts, sign-up, check-in).

URL names (all under /volunteers/) and their parameters:

- volunteers: ``activities`` (list to sign up for), ``activity`` (activity_id), ``signup``
  (shift_id, POST), ``signup_cancel`` (signup_id, POST), ``my_activities``, ``checkin``
  (token: the shift's QR secret);
- organisers: ``activity_list``, ``activity_create``, ``activity_manage`` (activity_id),
  ``activity_edit``, ``activity_publish``, ``activity_cancel``, ``activity_finish``
  (activity_id; the last three POST), ``shift_add`` (activity_id), ``shift_edit``,
  ``shift_remove`` (POST), ``shift_qr``, ``attendance``, ``walkin`` (POST), ``signup_for``
  (POST) (shift_id);
- projects: ``projects``, ``project_library``, ``project_create``, ``project`` (project_id),
  ``project_edit``, ``project_open``, ``project_close``, ``project_copy`` (project_id; the last
  three POST).
"""

from django.urls import path

from . import organiser, projects, volunteer

urlpatterns = [
    # volunteers
    path("activities/", volunteer.activity_list, name="activities"),
    path("activities/<int:activity_id>/", volunteer.activity, name="activity"),
    path("shifts/<int:shift_id>/sign-up/", volunteer.signup, name="signup"),
    path("sign-ups/<int:signup_id>/cancel/", volunteer.signup_cancel, name="signup_cancel"),
    path("me/activities/", volunteer.my_activities, name="my_activities"),
    path("checkin/<str:token>/", volunteer.checkin, name="checkin"),
    # organisers
    path("organise/", organiser.activity_list, name="activity_list"),
    path("organise/new/", organiser.activity_create, name="activity_create"),
    path("organise/<int:activity_id>/", organiser.activity_manage, name="activity_manage"),
    path("organise/<int:activity_id>/edit/", organiser.activity_edit, name="activity_edit"),
    path(
        "organise/<int:activity_id>/publish/", organiser.activity_publish, name="activity_publish"
    ),
    path("organise/<int:activity_id>/cancel/", organiser.activity_cancel, name="activity_cancel"),
    path("organise/<int:activity_id>/finish/", organiser.activity_finish, name="activity_finish"),
    path("organise/<int:activity_id>/shifts/new/", organiser.shift_add, name="shift_add"),
    path("shifts/<int:shift_id>/edit/", organiser.shift_edit, name="shift_edit"),
    path("shifts/<int:shift_id>/remove/", organiser.shift_remove, name="shift_remove"),
    path("shifts/<int:shift_id>/qr/", organiser.shift_qr, name="shift_qr"),
    path("shifts/<int:shift_id>/attendance/", organiser.attendance, name="attendance"),
    path("shifts/<int:shift_id>/walk-in/", organiser.walkin, name="walkin"),
    path("shifts/<int:shift_id>/sign-up-for/", organiser.signup_for, name="signup_for"),
    # projects and the library
    path("projects/", projects.project_list, name="projects"),
    path("projects/library/", projects.project_library, name="project_library"),
    path("projects/new/", projects.project_create, name="project_create"),
    path("projects/<int:project_id>/", projects.project, name="project"),
    path("projects/<int:project_id>/edit/", projects.project_edit, name="project_edit"),
    path("projects/<int:project_id>/open/", projects.project_open, name="project_open"),
    path("projects/<int:project_id>/close/", projects.project_close, name="project_close"),
    path("projects/<int:project_id>/copy/", projects.project_copy, name="project_copy"),
]

__all__ = ["urlpatterns"]
