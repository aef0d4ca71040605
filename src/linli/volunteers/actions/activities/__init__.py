"""Every write of the activities family: projects and the project library, activities and
their shifts, sign-ups and the waiting list, check-in by QR code, the attendance sheet and
walk-ins.

Who organises an activity (the rule every action here applies):

- **staff** holding ``volunteer.manage`` over the activity's community create, change,
  publish, cancel and finish it and change its shifts; they also run its sign-ups and
  attendance;
- the **leader of the activity's team** — a resident whose own active volunteer record is
  ``Activity.team.leader`` — runs the sign-ups and attendance of that team's activities: signs
  team members up or off, shows the check-in QR code, keeps the attendance sheet and adds
  walk-ins; they do not create, change, publish, cancel or finish activities;
- a **volunteer** signs themselves up, cancels before the shift begins, and checks in and out
  with the QR code.

Each module says its own rules: :mod:`.projects`, :mod:`.activity`, :mod:`.shifts` (with
what happens to sign-ups when a shift shrinks or goes), :mod:`.signups` (the locking that
keeps confirmed sign-ups within the spots), :mod:`.attendance`.
"""

from .activity import (
    activity_cancel,
    activity_create,
    activity_finish,
    activity_publish,
    activity_update,
)
from .attendance import attendance_mark, checkin_by_token, checkout_by_token, walkin_add
from .projects import project_close, project_copy, project_create, project_open, project_update
from .shifts import shift_add, shift_remove, shift_update
from .signups import signup_cancel, signup_create

__all__ = [
    "activity_cancel",
    "activity_create",
    "activity_finish",
    "activity_publish",
    "activity_update",
    "attendance_mark",
    "checkin_by_token",
    "checkout_by_token",
    "project_close",
    "project_copy",
    "project_create",
    "project_open",
    "project_update",
    "shift_add",
    "shift_remove",
    "shift_update",
    "signup_cancel",
    "signup_create",
    "walkin_add",
]
