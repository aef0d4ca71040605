"""plans pages: ledger."""

urlpatterns: list = []
