"""Reading the task ledger (年度任务清单和工作台账): a plan's tasks and milestones, the progress
reports of the areas, who must report and who approves, and the reporting rates.

Periods. A task reports once a year (``2026``), every half year (``2026H1``, ``2026H2``) or
every quarter (``2026Q1`` … ``2026Q4``), for each year from its first to its last.

Due dates. A yearly report is due on the task's due month and day of that year (10-31 for the
喀什 plan). A half-yearly or quarterly report is due on the task's due day of the month after
the period ends, or that month's last day when it is shorter: with due day 10, 2026Q1 is due
on 2026-04-10 and 2026H2 on 2027-01-10 (the due month is not used). A report is on time when
it was submitted on or before its due date (local time).

Who reports. The reporting areas of a task are every area of its level (community, town or
county) inside the plan's jurisdiction. Each area between them and the jurisdiction may also
write its own report for the same task and period (a town's summary of its communities). A
report is written by those who hold ``plan.report`` over its area at the nearest level: the
community's head, or the town's officers where the community has none.

Who approves (as in DHIS2's data approval, level by level). A report is approved or returned by
those holding ``plan.approve`` over the area above it — a community's by its town, a town's by
its county, a county's by its prefecture when the prefecture holds the plan; the
jurisdiction's own report by those who manage the plan there (``plan.manage``). An approved
report is locked; it is reopened only by the approving level, and not while the report of the
area above it for the same task and period is approved.

Every read is scoped: plans through :mod:`linli.plans.queries.access`, areas through the
actor's prefixes within the plan; anything else is "not found".

By family: :mod:`.periods` (periods, due dates and the clock), :mod:`.tasks` (the task table
and the actor's reports due), :mod:`.reports` (the reports of a task, one report, its files),
:mod:`.approvals` (who reports, who approves, the reports waiting for approval) and
:mod:`.rates` (the reporting and on-time rates).
"""

from ._common import *  # noqa: F403
from .approvals import *  # noqa: F403
from .periods import *  # noqa: F403
from .rates import *  # noqa: F403
from .reports import *  # noqa: F403
from .tasks import *  # noqa: F403
