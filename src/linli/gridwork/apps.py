from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridworkConfig(AppConfig):
    name = "linli.gridwork"
    label = "gridwork"
    verbose_name = _("Grid work")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from linli.core.roles import Cap
        from linli.web.navigation import ITEMS, NavItem

        from .views import day  # noqa: F401 (they add their home-page blocks)

        entries = [
            NavItem(_("My day"), "gridwork:day", Cap.GRID_WORK, "calendar"),
            NavItem(_("Grid tasks"), "gridwork:tasks", Cap.TASK_ASSIGN, "list"),
            NavItem(_("Work-item list"), "gridwork:items", Cap.TASK_ASSIGN, "book"),
        ]
        known = {(item.url_name, item.capability) for item in ITEMS}
        ITEMS.extend(e for e in entries if (e.url_name, e.capability) not in known)
