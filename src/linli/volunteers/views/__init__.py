"""volunteers pages under /volunteers/, by family (each module lists its URL names):
``people`` (volunteers, organisations, teams, the resident's registration and profile),
``activities`` (projects, activities, shifts, sign-up, check-in), ``records`` (service records,
corrections, transfers, the time bank, exports), ``certificates`` (issue, download, verify)."""

from . import activities, certificates, people, records

__all__ = ["activities", "certificates", "people", "records"]
