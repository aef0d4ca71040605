from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "linli.appeals"
    label = "appeals"
    verbose_name = _("Appeals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from linli.core.roles import Cap
        from linli.web.navigation import ITEMS, NavItem

        entries = [
            NavItem(_("My appeals"), "appeals:mine", Cap.RESIDENT_HOME, "inbox"),
            NavItem(_("Appeals"), "appeals:inbox", Cap.STAFF_HOME, "inbox"),
            NavItem(_("Appeal figures"), "appeals:metrics", Cap.STAFF_HOME, "chart"),
            NavItem(_("Appeal settings"), "appeals:config", Cap.APPEAL_ROUTE, "settings"),
            NavItem(_("Appeal catalogue"), "appeals:catalogue", Cap.APPEAL_CONFIGURE, "tags"),
            NavItem(_("Open311 clients"), "appeals:open311_clients", Cap.OPEN311_KEYS, "key"),
        ]
        known = {item.url_name for item in ITEMS}
        ITEMS.extend(entry for entry in entries if entry.url_name not in known)
