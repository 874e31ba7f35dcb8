from django.urls import path

from . import views

app_name = "audit_web"

urlpatterns = [
    path("", views.event_list, name="events"),
    path("export.csv", views.event_export, name="export"),
    path("integriteit/", views.verify, name="verify"),
    path("integriteit/<uuid:run_id>/", views.verify_run, name="verify_run"),
]
