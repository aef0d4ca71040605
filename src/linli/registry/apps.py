from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "linli.registry"
    label = "registry"
    verbose_name = _("Resident registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from linli.core.roles import Cap
        from linli.web.navigation import ITEMS, NavItem

        entries = [
            NavItem(_("My grid"), "registry:my_grid", Cap.REGISTRY_EDIT, "grid"),
            NavItem(_("Residents"), "registry:resident_list", Cap.REGISTRY_VIEW, "people"),
            NavItem(_("Grids"), "registry:grid_manage", Cap.GRID_MANAGE, "grid"),
            NavItem(_("Ledgers"), "registry:ledger_index", Cap.REGISTRY_VIEW, "ledger"),
            NavItem(_("Group vocabulary"), "registry:group_tags", Cap.CONFIG_MANAGE, "tags"),
        ]
        known = {item.url_name for item in ITEMS}
        ITEMS.extend(entry for entry in entries if entry.url_name not in known)
