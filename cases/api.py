from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from coordination.models import CASE_ROLES, Role
from schakelpunt.api import actor_of, role_permission

from . import casework, pagination, selectors, workflow
from .models import Case
from .rules import TRANSITIONS, available_transitions
from .serializers import (
    CaseDetailSerializer,
    CaseFilterSerializer,
    CaseListSerializer,
    CaseSummarySerializer,
    ContactInputSerializer,
    ContactSerializer,
    GoalInputSerializer,
    NetworkMemberSerializer,
    PlanGoalSerializer,
    TransitionInputSerializer,
)

CaseRoles = role_permission(*CASE_ROLES)


def _team_ids(request: Request) -> set[uuid.UUID]:
    return set(actor_of(request).teams.values_list("pk", flat=True))


class CaseListApi(GenericAPIView):
    permission_classes = [CaseRoles]
    serializer_class = CaseListSerializer

    @extend_schema(
        parameters=[
            CaseFilterSerializer,
            OpenApiParameter("cursor", str, description="From the previous page's `next` link."),
            OpenApiParameter("page_size", int, description="1 to 200, default 50."),
        ],
        responses=inline_serializer(
            "CaseQueuePage",
            {"next": serializers.URLField(allow_null=True), "results": CaseListSerializer(many=True)},
        ),
    )
    def get(self, request: Request) -> Response:
        filters = CaseFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        parts = selectors.queue_parts(actor_of(request), **filters.validated_data)
        page, next_url = pagination.paginate_parts(parts, request, load=selectors.queue_cases)
        selectors.log_queue_read(actor=actor_of(request), count=len(page))
        return Response({"next": next_url, "results": CaseListSerializer(page, many=True).data})


class CaseDetailApi(GenericAPIView):
    permission_classes = [CaseRoles]
    serializer_class = CaseDetailSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "reason", str, description="Break the glass: open a case outside your scope, with a reason."
            )
        ]
    )
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        read = selectors.open_case(
            actor=actor_of(request),
            case_id=case_id,
            break_glass_reason=request.query_params.get("reason", ""),
        )
        case = read.case
        context = {
            "available_transitions": available_transitions(actor_of(request), case, _team_ids(request)),
            "timeline": selectors.timeline(case),
            "possible_matches": selectors.possible_matches(actor_of(request), case),
        }
        return Response(CaseDetailSerializer(case, context=context).data)


def _summary(request: Request, case: Case) -> Response:
    context = {"available_transitions": available_transitions(actor_of(request), case, _team_ids(request))}
    return Response(CaseSummarySerializer(case, context=context).data)


# Each transition's service, called with the arguments it takes from the body.
_SERVICES: dict[str, Callable[..., Case]] = {name: getattr(workflow, name) for name in TRANSITIONS}
_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "release": ("reason",),
    "refer_to_team": ("team", "reason"),
    "assign_lead": ("lead",),
    "decline": ("reason",),
    "reassign": ("lead", "reason"),
    "close": ("outcome", "reason"),
}
_ARGUMENT_NAMES = {"team": "team_id", "lead": "lead_id"}


class CaseTransitionApi(GenericAPIView):
    permission_classes = [CaseRoles]
    serializer_class = TransitionInputSerializer

    @extend_schema(request=TransitionInputSerializer, responses={200: CaseSummarySerializer})
    def post(self, request: Request, case_id: uuid.UUID, transition: str) -> Response:
        if transition not in _SERVICES:
            return Response({"detail": "Onbekende stap."}, status=status.HTTP_404_NOT_FOUND)
        body = TransitionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kwargs: dict[str, Any] = {}
        for name in _ARGUMENTS.get(transition, ()):
            if name in body.validated_data:
                kwargs[_ARGUMENT_NAMES.get(name, name)] = body.validated_data[name]
        case = _SERVICES[transition](actor=actor_of(request), case_id=case_id, **kwargs)
        return _summary(request, case)


class CaseContactsApi(GenericAPIView):
    permission_classes = [role_permission(Role.TRIAGE, Role.PROFESSIONAL)]
    serializer_class = ContactInputSerializer

    @extend_schema(request=ContactInputSerializer, responses={201: ContactSerializer})
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        body = ContactInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attempt = casework.record_contact_attempt(
            actor=actor_of(request), case_id=case_id, **body.validated_data
        )
        return Response(ContactSerializer(attempt).data, status=status.HTTP_201_CREATED)


class CaseGoalsApi(GenericAPIView):
    permission_classes = [role_permission(Role.PROFESSIONAL)]
    serializer_class = GoalInputSerializer

    @extend_schema(request=GoalInputSerializer, responses={201: PlanGoalSerializer})
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        body = GoalInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        goal = casework.add_plan_goal(actor=actor_of(request), case_id=case_id, **body.validated_data)
        return Response(PlanGoalSerializer(goal).data, status=status.HTTP_201_CREATED)


class CaseNetworkApi(GenericAPIView):
    permission_classes = [role_permission(Role.PROFESSIONAL)]
    serializer_class = NetworkMemberSerializer

    @extend_schema(request=NetworkMemberSerializer, responses={201: NetworkMemberSerializer})
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        body = NetworkMemberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = casework.add_network_member(actor=actor_of(request), case_id=case_id, **body.validated_data)
        return Response(NetworkMemberSerializer(member).data, status=status.HTTP_201_CREATED)
