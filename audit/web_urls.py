from django.urls import path

from . import views

app_name = "audit_web"

urlpatterns = [
    path("", views.event_list, name="events"),
    path("export.csv", views.event_export, name="export"),
    path("huishoudens/", views.subject_search, name="subjects"),
    path("huishoudens/<uuid:subject_id>/", views.subject_detail, name="subject"),
    path("huishoudens/<uuid:subject_id>/export.csv", views.subject_export, name="subject_export"),
    path("huishoudens/<uuid:subject_id>/brief.pdf", views.subject_letter, name="subject_letter"),
    path("integriteit/", views.verify, name="verify"),
    path("integriteit/<uuid:run_id>/", views.verify_run, name="verify_run"),
]
