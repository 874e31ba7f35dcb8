from django.urls import path

from . import api

urlpatterns = [
    path("events/", api.EventListView.as_view(), name="audit-events"),
    path("verify/", api.VerifyView.as_view(), name="audit-verify"),
    path("verify/<uuid:run_id>/", api.VerifyRunView.as_view(), name="audit-verify-run"),
]
