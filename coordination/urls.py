from django.urls import path

from . import api

urlpatterns = [
    path("teams/", api.TeamListApi.as_view(), name="team-list"),
]
