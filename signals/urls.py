from django.urls import path

from . import api

urlpatterns = [
    path("signals/", api.SignalListCreateApi.as_view(), name="signal-list"),
    path("signals/<uuid:signal_id>/", api.SignalDetailApi.as_view(), name="signal-detail"),
]
