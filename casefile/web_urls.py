from django.urls import path

from . import access, inbox, search, views

app_name = "cases_web"

urlpatterns = [
    path("intake/", views.intake_queue, name="intake"),
    path("team/", views.team_queue, name="team"),
    path("mijn/", views.my_cases, name="mine"),
    path("zoeken/", search.search_page, name="search"),
    path("meldingen/", inbox.inbox_page, name="inbox"),
    path("meldingen/<int:notification_id>/gelezen/", inbox.inbox_read, name="inbox_read"),
    path("meldingen/alles-gelezen/", inbox.inbox_read_all, name="inbox_read_all"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/inzage/", access.case_access, name="access"),
    path("<uuid:case_id>/contactpogingen/", views.case_contact, name="contact"),
    path("<uuid:case_id>/plan/doelen/", views.case_goal, name="goal"),
    path("<uuid:case_id>/netwerk/", views.case_network, name="network"),
    path("<uuid:case_id>/samenvoegen/", views.case_merge, name="merge"),
    path("<uuid:case_id>/splitsen/", views.case_split, name="split"),
    path("<uuid:case_id>/contactpogingen/<uuid:contact_id>/", views.case_contact_edit, name="contact_edit"),
    path("<uuid:case_id>/plan/", views.case_plan, name="plan"),
    path("<uuid:case_id>/plan/doelen/<uuid:goal_id>/", views.case_goal_edit, name="goal_edit"),
    path("<uuid:case_id>/plan/doelen/<uuid:goal_id>/acties/", views.case_action_add, name="action"),
    path(
        "<uuid:case_id>/plan/doelen/<uuid:goal_id>/acties/<uuid:action_id>/",
        views.case_action_done,
        name="action_done",
    ),
    path(
        "<uuid:case_id>/plan/doelen/<uuid:goal_id>/acties/<uuid:action_id>/verwijderen/",
        views.case_action_remove,
        name="action_remove",
    ),
    path("<uuid:case_id>/netwerk/<uuid:member_id>/", views.case_network_edit, name="network_edit"),
    path("<uuid:case_id>/verwijderen/<slug:kind>/<uuid:record_id>/", views.case_remove, name="remove"),
    path("<uuid:case_id>/hulp-geaccepteerd/", views.case_help_accepted, name="help_accepted"),
    path("<uuid:case_id>/stap/<slug:transition>/", views.case_transition, name="transition"),
]
