from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "linli.workforce"
    label = "workforce"
    verbose_name = _("Community workers and training")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from linli.core.roles import Cap
        from linli.web.navigation import ITEMS, NavItem

        from .views import training, workers  # noqa: F401 (they add their home-page blocks)

        entries = [
            NavItem(_("Community workers"), "workforce:workers", Cap.WORKFORCE_VIEW, "users"),
            NavItem(_("Training"), "workforce:training", Cap.WORKFORCE_VIEW, "book"),
        ]
        known = {(item.url_name, item.capability) for item in ITEMS}
        ITEMS.extend(e for e in entries if (e.url_name, e.capability) not in known)
