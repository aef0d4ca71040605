"""plans queries (every read), by family: ``access`` (which plans and areas an actor sees),
``status`` (a value against its target), ``catalogue`` (plans, targets, indicators), ``engine``
and ``sources`` (computing the values), ``values`` (boards, drill-down, trends, snapshots),
``ledger`` (tasks and progress reports), ``reports`` (the annual report's content)."""
