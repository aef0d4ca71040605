"""plans pages: the dashboard of a plan (for holders of ``plan.view``).

- ``plans:dashboard`` <plan> (``?area=&year=&snapshot=&screen=1``): the plan's targets for an
  area (by default the widest of the user's), each a tile with its value, the target, the status
  in words and icon, the gap and the communities below the target; counts by status; the year and
  the values shown (live, or a snapshot); the recompute for those who manage the plan.
  ``screen=1`` is the big-screen mode for a projector: dark, large, without navigation, the tiles
  refreshing every five minutes (htmx).
- ``plans:children`` <plan> (``?area=&year=&snapshot=``): the areas below as a matrix of status
  cells (area × target), each opening the area's own dashboard, each column the drill-down; a
  chart of the areas' statuses above it.
- ``plans:drill`` <plan> <target> (``?area=&year=&snapshot=&below=1&sort=``): one target over
  the areas below — a chart against the target line and the table (value, numerator,
  denominator, status, gap), sortable; an area opens the same page one level down, a community
  the records behind its value.
- ``plans:trend`` <plan> (``?area=``): each target over the snapshots and the live values.
- a block of the officer home with the active plans' counts by status, filled after the page
  (``plans:dashboard_home``).

Every page is a GET that works without JavaScript; the views parse, call the plan value queries
and render.

By family: :mod:`.pages` (the four pages), :mod:`.home` (the officer home's block),
:mod:`.formatting` (values, statuses and the charts' data); what the pages share is in
``_common``.
"""

from django.urls import path

from ._common import *  # noqa: F403
from .formatting import *  # noqa: F403
from .home import *  # noqa: F403
from .home import dashboard_home
from .pages import *  # noqa: F403
from .pages import children, dashboard, drill, trend

urlpatterns = [
    path("dashboard/home-block/", dashboard_home, name="dashboard_home"),
    path("<int:plan_id>/dashboard/", dashboard, name="dashboard"),
    path("<int:plan_id>/dashboard/areas/", children, name="children"),
    path("<int:plan_id>/dashboard/trend/", trend, name="trend"),
    path("<int:plan_id>/dashboard/targets/<int:target_id>/", drill, name="drill"),
]
