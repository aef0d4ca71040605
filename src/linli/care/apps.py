from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "linli.care"
    label = "care"
    verbose_name = _("Care visits")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from linli.core.roles import Cap
        from linli.web.navigation import ITEMS, NavItem

        from .views import home  # noqa: F401 (they add their home-page blocks)

        entries = [
            NavItem(_("Care visits"), "care:plans", Cap.CARE_VIEW, "heart"),
            NavItem(_("Care roster"), "care:roster", Cap.CARE_VIEW, "users"),
            NavItem(_("Visit records"), "care:visits", Cap.CARE_VIEW, "list"),
            NavItem(_("Needs found"), "care:needs", Cap.CARE_VIEW, "list"),
            NavItem(_("Visit rate"), "care:rate", Cap.CARE_VIEW, "chart"),
            NavItem(_("Visit policy"), "care:policy", Cap.CARE_POLICY, "settings"),
        ]
        known = {(item.url_name, item.capability) for item in ITEMS}
        ITEMS.extend(e for e in entries if (e.url_name, e.capability) not in known)
