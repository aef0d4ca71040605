from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_catalogue(sender, using="default", apps=None, **kwargs) -> None:
    """After every migrate: the built-in indicators and plan templates, as shipped (nothing is
    written when they are already so)."""
    if apps is not None:
        try:
            for name in ("Indicator", "Plan", "Target", "PlanTask"):
                apps.get_model("plans", name)
        except LookupError:  # the plans tables are not (or no longer) there
            return
    from .actions.catalogue import catalogue_install

    catalogue_install(using=using)


class PlansConfig(AppConfig):
    name = "linli.plans"
    label = "plans"
    verbose_name = _("Plans, indicators and the task ledger")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from linli.core.roles import Cap
        from linli.web.navigation import ITEMS, NavItem

        from . import views  # noqa: F401 (the views add their home-page blocks)

        entries = [
            NavItem(_("Plans and indicators"), "plans:plans", Cap.PLAN_VIEW, "chart"),
            NavItem(_("Task ledger"), "plans:ledger", Cap.PLAN_VIEW, "list"),
        ]
        known = {(item.url_name, item.capability) for item in ITEMS}
        ITEMS.extend(e for e in entries if (e.url_name, e.capability) not in known)

        post_migrate.connect(
            _install_catalogue, sender=self, dispatch_uid="linli.plans.catalogue_install"
        )
