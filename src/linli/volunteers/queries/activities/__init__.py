"""Every read of the activities family: projects and the library (:mod:`.projects`), the
activity lists, one activity and its rosters (:mod:`.activities`), one's own sign-ups, the
check-in code and the attendance sheet (:mod:`.mine`). Who may see and run what is in
:mod:`._common`."""

from .activities import (
    ActivityView,
    activity_detail,
    activity_list,
    activity_roster,
    led_activities,
    public_list,
)
from .mine import (
    CheckinView,
    attendance_sheet,
    checkin_view,
    my_signups,
    organiser_shift,
    volunteer_for,
)
from .projects import (
    area_choices,
    library_list,
    organisation_choices,
    project_activities,
    project_choices,
    project_get,
    project_list,
    project_visible,
    team_choices,
    venue_choices,
)

__all__ = [
    "ActivityView",
    "CheckinView",
    "activity_detail",
    "activity_list",
    "activity_roster",
    "area_choices",
    "attendance_sheet",
    "checkin_view",
    "led_activities",
    "library_list",
    "my_signups",
    "organisation_choices",
    "organiser_shift",
    "project_activities",
    "project_choices",
    "project_get",
    "project_list",
    "project_visible",
    "public_list",
    "team_choices",
    "venue_choices",
    "volunteer_for",
]
