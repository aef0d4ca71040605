from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "linli.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from linli.core.roles import Cap
        from linli.web.navigation import ITEMS, NavItem

        from . import views  # noqa: F401 (the views add their home-page blocks)

        entries = [
            NavItem(_("Volunteer"), "volunteers:me", Cap.RESIDENT_HOME, "heart"),
            NavItem(_("Volunteers"), "volunteers:home", Cap.VOLUNTEER_VIEW, "people"),
        ]
        known = {(item.url_name, item.capability) for item in ITEMS}
        ITEMS.extend(e for e in entries if (e.url_name, e.capability) not in known)
