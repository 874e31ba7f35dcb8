from django.urls import path

from . import api

urlpatterns = [
    path("auth/token/", api.ObtainTokenApi.as_view(), name="auth-token"),
    path("teams/", api.TeamListApi.as_view(), name="team-list"),
]
