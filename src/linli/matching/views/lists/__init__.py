"""The needs and resources lists and matching as pages under /matching/: needs (the list, the
unmatched needs per area for towns, one need with its suggestions and one-click confirm, the
forms), resources (list, one resource, forms, bringing teams and venues in) and matches."""

from django.urls import path

from . import matches, needs, resources

urlpatterns = [
    path("needs/", needs.need_list, name="needs"),
    path("needs/new/", needs.need_new, name="need_new"),
    path("needs/from-appeal/", needs.need_from_appeal, name="need_from_appeal"),
    path("needs/from-care-need/", needs.need_from_care_need, name="need_from_care_need"),
    path("needs/import/", needs.needs_import, name="needs_import"),
    path("needs/waiting/", needs.needs_waiting, name="needs_waiting"),
    path("needs/<int:need_id>/", needs.need_detail, name="need"),
    path("needs/<int:need_id>/edit/", needs.need_edit, name="need_edit"),
    path("needs/<int:need_id>/close/", needs.need_close, name="need_close"),
    path("needs/<int:need_id>/met/", needs.need_met, name="need_met"),
    path("needs/<int:need_id>/confirm/", needs.need_confirm, name="need_confirm"),
    path("resources/", resources.resource_list, name="resources"),
    path("resources/new/", resources.resource_new, name="resource_new"),
    path("resources/sync/", resources.resources_sync, name="resources_sync"),
    path("resources/<int:resource_id>/", resources.resource_detail, name="resource"),
    path("resources/<int:resource_id>/edit/", resources.resource_edit, name="resource_edit"),
    path("resources/<int:resource_id>/stop/", resources.resource_deactivate, name="resource_stop"),
    path("resources/<int:resource_id>/offer/", resources.resource_activate, name="resource_offer"),
    path("matches/", matches.match_list, name="matches"),
    path("matches/<int:match_id>/end/", matches.match_end, name="match_end"),
]
