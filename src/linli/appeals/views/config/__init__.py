"""Appeal settings pages under /appeals/settings/.

* ``settings/`` (``appeal.route``): where appeals go — a live preview (htmx, or a plain GET
  form), the routing rules of one's areas, the department and provider units and their members.
* ``settings/catalogue/`` (``appeal.configure``): a county's categories, response templates and
  policy; the platform's urgency tiers and holiday calendar.
* ``settings/open311/`` (``open311.keys``): Open311 clients and their keys, each shown once.

Each view parses, calls one action or query, and renders; every form works without JavaScript.
The pages are split by family: :mod:`.routing`, :mod:`.catalogue`, :mod:`.calendar` and
:mod:`.open311`; this package gathers their addresses.
"""

from . import calendar, catalogue, open311, routing

urlpatterns = [
    *routing.urlpatterns,
    *catalogue.urlpatterns,
    *calendar.urlpatterns,
    *open311.urlpatterns,
]
