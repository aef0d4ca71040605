"""plans actions (every write), by family: ``catalogue`` (templates, plans, targets,
indicators), ``measure`` (recompute, snapshots, reported values), ``ledger`` (tasks, milestones,
progress reports, approvals, reminders), ``reports`` (the audited report downloads)."""
