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
    path("<uuid:case_id>/stap/<slug:transition>/", views.case_transition, name="transition"),
]
