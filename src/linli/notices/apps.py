from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "linli.notices"
    label = "notices"
    verbose_name = _("Notices and alerts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from linli.core.roles import Cap
        from linli.web.navigation import ITEMS, NavItem

        from .views import alerts, notices  # noqa: F401 (they add their home-page blocks)

        entries = [
            NavItem(_("Notices"), "notices:mine", Cap.RESIDENT_HOME, "bell"),
            NavItem(_("Notices"), "notices:list", Cap.NOTICE_PUBLISH, "bell"),
            NavItem(_("Emergency alerts"), "notices:alerts", Cap.ALERT_VIEW, "alert"),
        ]
        known = {(item.url_name, item.capability) for item in ITEMS}
        ITEMS.extend(e for e in entries if (e.url_name, e.capability) not in known)
