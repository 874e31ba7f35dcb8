from django.urls import path

from . import api
from .access import CaseAccessApi
from .inbox import NotificationListApi, NotificationReadApi
from .search import SearchApi
from .trays import TrayListApi

urlpatterns = [
    path("cases/", api.CaseListApi.as_view(), name="case-list"),
    path("cases/<uuid:case_id>/", api.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<uuid:case_id>/contacts/", api.CaseContactsApi.as_view(), name="case-contacts"),
    path("cases/<uuid:case_id>/plan/goals/", api.CaseGoalsApi.as_view(), name="case-plan-goals"),
    path("cases/<uuid:case_id>/help-accepted/", api.CaseHelpAcceptedApi.as_view(), name="case-help-accepted"),
    path("cases/<uuid:case_id>/network/", api.CaseNetworkApi.as_view(), name="case-network"),
    path("cases/<uuid:case_id>/merge/", api.CaseMergeApi.as_view(), name="case-merge"),
    path("cases/<uuid:case_id>/split/", api.CaseSplitApi.as_view(), name="case-split"),
    path("search/", SearchApi.as_view(), name="search"),
    path("trays/", TrayListApi.as_view(), name="tray-list"),
    path("cases/<uuid:case_id>/access/", CaseAccessApi.as_view(), name="case-access"),
    path("notifications/", NotificationListApi.as_view(), name="notification-list"),
    path(
        "notifications/<int:notification_id>/read/", NotificationReadApi.as_view(), name="notification-read"
    ),
    path(
        "cases/<uuid:case_id>/contacts/<uuid:contact_id>/", api.CaseContactApi.as_view(), name="case-contact"
    ),
    path("cases/<uuid:case_id>/plan/", api.CasePlanApi.as_view(), name="case-plan"),
    path("cases/<uuid:case_id>/plan/goals/<uuid:goal_id>/", api.CaseGoalApi.as_view(), name="case-plan-goal"),
    path(
        "cases/<uuid:case_id>/plan/goals/<uuid:goal_id>/actions/",
        api.CaseGoalActionsApi.as_view(),
        name="case-plan-goal-actions",
    ),
    path(
        "cases/<uuid:case_id>/plan/goals/<uuid:goal_id>/actions/<uuid:action_id>/",
        api.CaseGoalActionApi.as_view(),
        name="case-plan-goal-action",
    ),
    path(
        "cases/<uuid:case_id>/network/<uuid:member_id>/",
        api.CaseNetworkMemberApi.as_view(),
        name="case-network-member",
    ),
    path("cases/<uuid:case_id>/<slug:transition>/", api.CaseTransitionApi.as_view(), name="case-transition"),
]
