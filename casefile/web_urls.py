from django.urls import path

from . import views

app_name = "cases_web"

urlpatterns = [
    path("intake/", views.intake_queue, name="intake"),
    path("team/", views.team_queue, name="team"),
    path("mijn/", views.my_cases, name="mine"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/contactpogingen/", views.case_contact, name="contact"),
    path("<uuid:case_id>/plan/doelen/", views.case_goal, name="goal"),
    path("<uuid:case_id>/netwerk/", views.case_network, name="network"),
    path("<uuid:case_id>/hulp-geaccepteerd/", views.case_help_accepted, name="help_accepted"),
    path("<uuid:case_id>/stap/<slug:transition>/", views.case_transition, name="transition"),
]
