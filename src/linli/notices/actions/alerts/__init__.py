"""Emergency alerts (预警信息发布): issuing, the fan-out to every resident, acknowledgements, the
grid workers' checks on vulnerable residents, ending, the sweep, and the communities' disaster
information officers (灾害信息员).

Issuing writes one row and returns at once; the fan-out runs as a background task that writes
one :class:`AlertRecipient` per active resident of the subtree in set-based batches (one
``INSERT … SELECT`` per batch of resident ids, with the in-app notifications of the batch in the
same transaction). Each batch commits with its notifications, so a rerun resumes after the last
resident written and never notifies anyone twice.
"""

from ._common import CHECK_AFTER_MAX as CHECK_AFTER_MAX
from ._common import CHECK_AFTER_MIN as CHECK_AFTER_MIN
from ._common import parse_shelter_lines
from .answers import alert_ack, alert_check
from .fanout import ALERT_VULNERABLE_TAGS, alert_fanout
from .issue import alert_end, alert_issue
from .officers import info_officer_end, info_officer_set
from .sweep import alerts_sweep

__all__ = [
    "ALERT_VULNERABLE_TAGS",
    "alert_ack",
    "alert_check",
    "alert_end",
    "alert_fanout",
    "alert_issue",
    "alerts_sweep",
    "info_officer_end",
    "info_officer_set",
    "parse_shelter_lines",
]
