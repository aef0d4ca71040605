from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "linli.plans"
    label = "plans"
    verbose_name = _("Plans, indicators and the task ledger")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import views  # noqa: F401 (the views add their home-page blocks)
