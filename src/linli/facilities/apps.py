from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "linli.facilities"
    label = "facilities"
    verbose_name = _("Facilities and venues")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from linli.core.roles import Cap
        from linli.web.navigation import ITEMS, NavItem

        from .views import bookings, capacity, facilities  # noqa: F401 (they add their home-page blocks)

        entries = [
            NavItem(_("Book a room"), "facilities:book", Cap.RESIDENT_HOME, "calendar"),
            NavItem(_("Facilities"), "facilities:list", Cap.FACILITY_VIEW, "map"),
            NavItem(_("Venues"), "facilities:venues", Cap.FACILITY_VIEW, "book"),
            NavItem(_("Bookings"), "facilities:bookings", Cap.FACILITY_VIEW, "calendar"),
            NavItem(_("Service capacity"), "facilities:capacity", Cap.CAPACITY_VIEW, "chart"),
        ]
        known = {(item.url_name, item.capability) for item in ITEMS}
        ITEMS.extend(e for e in entries if (e.url_name, e.capability) not in known)
