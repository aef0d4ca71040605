"""The staff workbench of appeals (接诉即办): the inbox, one appeal with every step the actor may
take now, intake for a resident (帮办: window, phone, patrol, care visit) and the photos.

Each view parses, calls one query or action, and renders; the rules live in ``actions`` and
``queries``, which still enforce them whatever a page offers. The contact's phone number appears
masked; "show in full" is a POST that calls the audited ``actions.appeal_contact_reveal`` and answers
with the page itself (``no-store``), so a full number never travels in an address, a redirect or
the session. Every form works without JavaScript; htmx only refreshes the inbox list and the
intake's resident search and duplicate check in place.

The pages, by family: :mod:`.inbox`, :mod:`.appeal` (one appeal, its steps, the phone in full
and the photos) and :mod:`.intake`.
"""

from django.urls import path

from .appeal import VERBS, act, detail, photo, reveal
from .inbox import bulk_dispatch, inbox
from .intake import intake, intake_duplicates

urlpatterns = [
    path("", inbox, name="inbox"),
    path("intake/", intake, name="intake"),
    path("intake/duplicates/", intake_duplicates, name="intake_duplicates"),
    path("bulk-dispatch/", bulk_dispatch, name="bulk_dispatch"),
    path("photos/<int:photo_id>/", photo, name="photo"),
    path("<int:appeal_id>/", detail, name="detail"),
    path("<int:appeal_id>/reveal/", reveal, name="appeal_reveal"),
    *[
        path(f"<int:appeal_id>/{verb}/", act, {"verb": verb}, name=f"appeal_{verb}")
        for verb in VERBS
    ],
]
