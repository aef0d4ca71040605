"""Writing the task ledger: a plan's tasks and milestones, the progress reports of the areas
(save, submit, approve, return, reopen), their evidence files, and the reminders.

The rules of periods, due dates, who reports and who approves are written out in
:mod:`linli.plans.queries.ledger`. In short: those who manage a plan (``plan.manage`` over its
jurisdiction) keep its task table; an area's report is written with ``plan.report`` over the
area, and approved or returned — level by level, as in DHIS2's data approval — with
``plan.approve`` over the area above it. An approved report is locked: it takes no change, no
file and no second submission until the approving level reopens it, which it cannot do while
the report of the area above (same task and period) is approved.

Everything is checked before anything is written; each action is one transaction with its
audit event (ids, codes and counts only). Files are judged by their content (PDF, JPEG, PNG,
Word .docx, Excel .xlsx; at most 10 MB each and 10 a report), stored under random names and
removed again when the write that stored them fails.

By family: :mod:`.tasks` (tasks and milestones), :mod:`.reports` (save, submit, approve,
return, reopen), :mod:`.evidence` (the files of a report) and :mod:`.reminders`.
"""

from .evidence import *  # noqa: F403
from .reminders import *  # noqa: F403
from .reports import *  # noqa: F403
from .tasks import *  # noqa: F403
