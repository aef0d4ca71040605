from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "linli.facilities"
    label = "facilities"
    verbose_name = _("Facilities and venues")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from linli.core.roles import Cap  # noqa: F401
        from linli.web.navigation import ITEMS, NavItem  # noqa: F401

        from .views import bookings, capacity, facilities  # noqa: F401 (they add their home-page blocks)

        entries: list = []
        known = {(item.url_name, item.capability) for item in ITEMS}
        ITEMS.extend(e for e in entries if (e.url_name, e.capability) not in known)
