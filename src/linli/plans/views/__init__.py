"""plans pages under /plans/, by family (each module lists its URL names)."""

from . import catalogue, dashboard, ledger, reports, values

__all__ = ["catalogue", "dashboard", "ledger", "reports", "values"]
