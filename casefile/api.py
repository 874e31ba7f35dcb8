from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from cases import casework, pagination, permissions, selectors, workflow
from cases.models import Case
from coordination.api_access import actor_of, role_permission
from coordination.models import CASE_ROLES

from . import contents
from .serializers import (
    CaseDetailSerializer,
    CaseFilterSerializer,
    CaseListSerializer,
    CaseSummarySerializer,
    ContactInputSerializer,
    ContactSerializer,
    GoalInputSerializer,
    HelpAcceptedInputSerializer,
    NetworkMemberSerializer,
    PlanGoalSerializer,
    TransitionInputSerializer,
)

CaseRoles = role_permission(*CASE_ROLES)


class CaseListApi(GenericAPIView[Any]):
    permission_classes = [CaseRoles]
    serializer_class = CaseListSerializer

    @extend_schema(
        operation_id="v1_cases_list",
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
        read = selectors.queue_page(
            actor_of(request), size=_page_size(request), after=_cursor(request), **filters.validated_data
        )
        page = read.page
        next_cursor = page.next_cursor()
        next_url = (
            replace_query_param(request.build_absolute_uri(), "cursor", next_cursor) if next_cursor else None
        )
        selectors.log_queue_read(actor=actor_of(request), count=len(page.rows))
        return Response({"next": next_url, "results": CaseListSerializer(page.rows, many=True).data})


def _page_size(request: Request) -> int:
    try:
        size = int(request.query_params.get("page_size", pagination.DEFAULT_PAGE_SIZE))
    except ValueError as exc:
        raise ValidationError({"page_size": ["Geef een getal."]}) from exc
    return pagination.clamp_page_size(size)


def _cursor(request: Request) -> pagination.Key | None:
    cursor = request.query_params.get("cursor")
    if not cursor:
        return None
    try:
        return pagination.decode(cursor)
    except pagination.InvalidCursor as exc:
        raise ValidationError({"cursor": ["Ongeldige cursor."]}) from exc


class CaseDetailApi(GenericAPIView[Any]):
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
        read = selectors.read_case_logged(
            actor=actor_of(request),
            case_id=case_id,
            break_glass_reason=request.query_params.get("reason", ""),
        )
        case = read.case
        offer = permissions.offer(actor_of(request), case, break_glass=read.break_glass)
        signals = contents.signals_of(case)
        context = {
            "available_transitions": offer.transitions,
            "signals": signals,
            "timeline": contents.timeline(case, signals),
            "possible_matches": selectors.possible_matches(actor_of(request), case),
        }
        return Response(CaseDetailSerializer(case, context=context).data)


def _summary(request: Request, case: Case) -> Response:
    context = {"available_transitions": permissions.offer(actor_of(request), case).transitions}
    return Response(CaseSummarySerializer(case, context=context).data)


# Each transition's service, called with the arguments it takes from the body.
_SERVICES: dict[str, Callable[..., Case]] = {
    name: getattr(workflow, name) for name in permissions.TRANSITIONS
}


class CaseTransitionApi(GenericAPIView[Any]):
    permission_classes = [CaseRoles]
    serializer_class = TransitionInputSerializer

    @extend_schema(request=TransitionInputSerializer, responses={200: CaseSummarySerializer})
    def post(self, request: Request, case_id: uuid.UUID, transition: str) -> Response:
        if transition not in _SERVICES:
            raise NotFound("Onbekende stap.")
        body = TransitionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kwargs = permissions.transition_arguments(transition, body.validated_data)
        case = _SERVICES[transition](actor=actor_of(request), case_id=case_id, **kwargs)
        return _summary(request, case)


class CaseContactsApi(GenericAPIView[Any]):
    permission_classes = [role_permission(*permissions.casework_roles(permissions.CONTACT))]
    serializer_class = ContactInputSerializer

    @extend_schema(request=ContactInputSerializer, responses={201: ContactSerializer})
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        body = ContactInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attempt = casework.record_contact_attempt(
            actor=actor_of(request), case_id=case_id, **body.validated_data
        )
        return Response(ContactSerializer(attempt).data, status=status.HTTP_201_CREATED)


class CaseHelpAcceptedApi(GenericAPIView[Any]):
    """The lead records that the household accepted help; the filing partners hear it."""

    permission_classes = [role_permission(*permissions.casework_roles(permissions.HELP_ACCEPTED))]
    serializer_class = HelpAcceptedInputSerializer

    @extend_schema(request=HelpAcceptedInputSerializer, responses={200: CaseSummarySerializer})
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        body = HelpAcceptedInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = casework.record_help_accepted(
            actor=actor_of(request), case_id=case_id, on=body.validated_data.get("on")
        )
        return _summary(request, case)


class CaseGoalsApi(GenericAPIView[Any]):
    permission_classes = [role_permission(*permissions.casework_roles(permissions.PLAN))]
    serializer_class = GoalInputSerializer

    @extend_schema(request=GoalInputSerializer, responses={201: PlanGoalSerializer})
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        body = GoalInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        goal = casework.add_plan_goal(actor=actor_of(request), case_id=case_id, **body.validated_data)
        return Response(PlanGoalSerializer(goal).data, status=status.HTTP_201_CREATED)


class CaseNetworkApi(GenericAPIView[Any]):
    permission_classes = [role_permission(*permissions.casework_roles(permissions.NETWORK))]
    serializer_class = NetworkMemberSerializer

    @extend_schema(request=NetworkMemberSerializer, responses={201: NetworkMemberSerializer})
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        body = NetworkMemberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = casework.add_network_member(actor=actor_of(request), case_id=case_id, **body.validated_data)
        return Response(NetworkMemberSerializer(member).data, status=status.HTTP_201_CREATED)
