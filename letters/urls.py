from django.urls import path

from . import api

urlpatterns = [
    path("letters/templates/", api.TemplateListApi.as_view(), name="letter-template-list"),
    path("letters/runs/", api.RunCreateApi.as_view(), name="letter-run-list"),
    path("letters/runs/<uuid:run_id>/", api.RunDetailApi.as_view(), name="letter-run-detail"),
    path("letters/runs/<uuid:run_id>/letters.pdf", api.RunPdfApi.as_view(), name="letter-run-pdf"),
    path("trays/<int:tray_id>/letters/", api.TrayRunApi.as_view(), name="tray-letters"),
    path(
        "cases/<uuid:case_id>/letters/<int:template_id>.pdf",
        api.CaseLetterApi.as_view(),
        name="case-letter",
    ),
]
