from django.urls import path

from . import api

urlpatterns = [
    path("cases/", api.CaseListApi.as_view(), name="case-list"),
    path("cases/<uuid:case_id>/", api.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<uuid:case_id>/contacts/", api.CaseContactsApi.as_view(), name="case-contacts"),
    path("cases/<uuid:case_id>/plan/goals/", api.CaseGoalsApi.as_view(), name="case-plan-goals"),
    path("cases/<uuid:case_id>/help-accepted/", api.CaseHelpAcceptedApi.as_view(), name="case-help-accepted"),
    path("cases/<uuid:case_id>/network/", api.CaseNetworkApi.as_view(), name="case-network"),
    path("cases/<uuid:case_id>/<slug:transition>/", api.CaseTransitionApi.as_view(), name="case-transition"),
]
