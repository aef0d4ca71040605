from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "linli.matching"
    label = "matching"
    verbose_name = _("Needs, resources and livelihood projects")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from linli.core.roles import Cap
        from linli.web.navigation import ITEMS, NavItem

        from . import views  # noqa: F401 (the views add their home-page blocks)

        entries = [
            NavItem(_("Community projects"), "matching:public_projects", Cap.RESIDENT_HOME, "list"),
            NavItem(_("Needs and resources"), "matching:needs", Cap.MATCH_VIEW, "heart"),
            NavItem(_("Livelihood projects"), "matching:projects", Cap.MATCH_VIEW, "list"),
        ]
        known = {(item.url_name, item.capability) for item in ITEMS}
        ITEMS.extend(e for e in entries if (e.url_name, e.capability) not in known)
