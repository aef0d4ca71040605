"""volunteers pages: people. The staff overview (``home``), the volunteer's own pages (``me``:
registration or profile), volunteers, teams and organisations; and the resident home block.

URL names (all under /volunteers/): home, me, join, me_edit, me_status, me_withdraw,
me_team_join, me_team_leave, volunteers, volunteer_new, volunteer, volunteer_edit,
volunteer_status, volunteer_reveal, volunteer_withdraw, teams, team_new, team, team_edit,
team_active, team_member_add, team_member_role, team_member_remove, organisations,
organisation_new, organisation_edit, organisation_active.
"""

from django.urls import path

from . import home, me, staff, teams

urlpatterns = [
    path("", home.volunteer_home, name="home"),
    # the volunteer's own pages
    path("me/", me.me, name="me"),
    path("me/join/", me.join, name="join"),
    path("me/edit/", me.me_edit, name="me_edit"),
    path("me/status/", me.me_status, name="me_status"),
    path("me/withdraw/", me.me_withdraw, name="me_withdraw"),
    path("me/teams/<int:team_id>/join/", me.me_team_join, name="me_team_join"),
    path("me/teams/<int:team_id>/leave/", me.me_team_leave, name="me_team_leave"),
    # volunteers (staff)
    path("people/", staff.volunteer_list, name="volunteers"),
    path("people/new/", staff.volunteer_new, name="volunteer_new"),
    path("people/<int:volunteer_id>/", staff.volunteer_detail, name="volunteer"),
    path("people/<int:volunteer_id>/edit/", staff.volunteer_edit, name="volunteer_edit"),
    path("people/<int:volunteer_id>/status/", staff.volunteer_status, name="volunteer_status"),
    path("people/<int:volunteer_id>/reveal/", staff.volunteer_reveal, name="volunteer_reveal"),
    path(
        "people/<int:volunteer_id>/withdraw/", staff.volunteer_withdraw, name="volunteer_withdraw"
    ),
    # teams
    path("teams/", teams.team_list, name="teams"),
    path("teams/new/", teams.team_new, name="team_new"),
    path("teams/<int:team_id>/", teams.team_detail, name="team"),
    path("teams/<int:team_id>/edit/", teams.team_edit, name="team_edit"),
    path("teams/<int:team_id>/active/", teams.team_active, name="team_active"),
    path("teams/<int:team_id>/members/", teams.team_member_add, name="team_member_add"),
    path("teams/<int:team_id>/members/role/", teams.team_member_role, name="team_member_role"),
    path(
        "teams/<int:team_id>/members/remove/",
        teams.team_member_remove,
        name="team_member_remove",
    ),
    # organisations
    path("organisations/", teams.organisation_list, name="organisations"),
    path("organisations/new/", teams.organisation_new, name="organisation_new"),
    path(
        "organisations/<int:organisation_id>/edit/",
        teams.organisation_edit,
        name="organisation_edit",
    ),
    path(
        "organisations/<int:organisation_id>/active/",
        teams.organisation_active,
        name="organisation_active",
    ),
]

__all__ = ["urlpatterns"]
