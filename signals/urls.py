from django.urls import path

from . import api, ddas_api, intake_schema, webhook_api

urlpatterns = [
    path("signals/", api.SignalListCreateApi.as_view(), name="signal-list"),
    path("signals/bulk/", api.BulkUploadApi.as_view(), name="signal-bulk"),
    path(
        "signals/bulk/template.csv", api.BulkTemplateApi.as_view(kind="csv"), name="signal-bulk-template-csv"
    ),
    path(
        "signals/bulk/template.xlsx",
        api.BulkTemplateApi.as_view(kind="xlsx"),
        name="signal-bulk-template-xlsx",
    ),
    path("signals/bulk/<uuid:upload_id>/", api.BulkUploadDetailApi.as_view(), name="signal-bulk-detail"),
    path("signals/bulk/<uuid:upload_id>/errors.csv", api.BulkErrorsApi.as_view(), name="signal-bulk-errors"),
    path("figures/", api.FiguresApi.as_view(), name="figures"),
    path("ddas/", ddas_api.DdasExportApi.as_view(), name="ddas-export"),
    path("signals/schema.json", intake_schema.SignalSchemaApi.as_view(), name="signal-schema"),
    path("webhooks/", webhook_api.WebhookListCreateApi.as_view(), name="webhook-list"),
    path("webhooks/<uuid:webhook_id>/", webhook_api.WebhookDetailApi.as_view(), name="webhook-detail"),
    path(
        "webhooks/<uuid:webhook_id>/deliveries/",
        webhook_api.WebhookDeliveriesApi.as_view(),
        name="webhook-deliveries",
    ),
    path("signals/<uuid:signal_id>/", api.SignalDetailApi.as_view(), name="signal-detail"),
]
