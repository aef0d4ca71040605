"""volunteers actions (every write), by family: ``people`` (registration, organisations, teams,
memberships), ``activities`` (projects, activities, shifts, sign-ups, attendance), ``records``
(service records, corrections, transfers, hours and star levels, the time bank),
``certificates`` (issue and revoke)."""
