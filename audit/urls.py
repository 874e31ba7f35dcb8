from django.urls import path

from . import api

urlpatterns = [
    path("events/", api.EventListView.as_view(), name="audit-events"),
    path("subjects/", api.SubjectListView.as_view(), name="audit-subjects"),
    path("subjects/<uuid:subject_id>/", api.SubjectDetailView.as_view(), name="audit-subject"),
    path(
        "subjects/<uuid:subject_id>/letter.pdf", api.SubjectLetterView.as_view(), name="audit-subject-letter"
    ),
    path("verify/", api.VerifyView.as_view(), name="audit-verify"),
    path("verify/<uuid:run_id>/", api.VerifyRunView.as_view(), name="audit-verify-run"),
]
