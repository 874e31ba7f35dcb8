from django.urls import path

from . import views

app_name = "signals_web"

urlpatterns = [
    path("", views.signal_list, name="list"),
    path("nieuw/", views.signal_new, name="new"),
    path("bulk/", views.bulk_upload, name="bulk"),
    path("bulk/<uuid:upload_id>/", views.bulk_detail, name="bulk_detail"),
    path("<uuid:signal_id>/", views.signal_detail, name="detail"),
]
