from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from cases import casework, moves, pagination, permissions, selectors, workflow
from cases.models import Case
from coordination.api_access import actor_of, role_permission
from coordination.models import CASE_ROLES, Role
from signals import moves as signal_moves

from . import contents
from .serializers import (
    ActionInputSerializer,
    ActionPatchSerializer,
    CaseDetailSerializer,
    CaseFilterSerializer,
    CaseListSerializer,
    CaseSummarySerializer,
    ContactInputSerializer,
    ContactPatchSerializer,
    ContactSerializer,
    GoalInputSerializer,
    GoalPatchSerializer,
    HelpAcceptedInputSerializer,
    MergeInputSerializer,
    NetworkMemberSerializer,
    NetworkPatchSerializer,
    PlanActionSerializer,
    PlanGoalSerializer,
    PlanInputSerializer,
    PlanTextsSerializer,
    RemovalSerializer,
    SplitInputSerializer,
    SplitResultSerializer,
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

    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        return detail_response(request, case_id)


def detail_response(request: Request, case_id: uuid.UUID) -> Response:
    """The whole case file, read (and logged) in the actor's scope or under their
    break-the-glass grant (``cases.access``)."""
    read = selectors.read_case_logged(actor=actor_of(request), case_id=case_id)
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


# Triage in the intake, coordinators within their team (``permissions.move_role``).
MoveRoles = role_permission(Role.TRIAGE, Role.COORDINATOR)


class CaseMergeApi(GenericAPIView[Any]):
    permission_classes = [MoveRoles]
    serializer_class = MergeInputSerializer

    @extend_schema(request=MergeInputSerializer, responses={200: CaseSummarySerializer})
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        body = MergeInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = moves.merge(
            actor=actor_of(request),
            case_id=case_id,
            other_id=body.validated_data["case"],
            reason=body.validated_data["reason"],
        )
        return _summary(request, case)


class CaseSplitApi(GenericAPIView[Any]):
    permission_classes = [MoveRoles]
    serializer_class = SplitInputSerializer

    @extend_schema(request=SplitInputSerializer, responses={200: SplitResultSerializer})
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        body = SplitInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = signal_moves.split(
            actor=actor_of(request),
            case_id=case_id,
            signal_ids=body.validated_data["signals"],
            reason=body.validated_data["reason"],
        )
        context = {
            "available_transitions": permissions.offer(actor_of(request), done.case).transitions,
            "new_case": done.new_case,
        }
        return Response(SplitResultSerializer(done.case, context=context).data)


# ---------------------------------------------------------------- corrections
#
# PATCH corrects a record, DELETE removes it with a reason in the body
# (never in the URL: it may name a resident); both by the record's author or
# the case's lead (``cases.permissions.correction_role``).

CorrectingRoles = role_permission(*CASE_ROLES)
_REMOVED = {204: None}


class RemovalSchema(AutoSchema):
    """Documents the body of DELETE too: a removal takes its reason there, never in the URL."""

    def _get_request_body(self, direction: str = "request") -> Any:
        # drf-spectacular's own (untyped) method documents bodies of PUT, PATCH and POST only.
        document: Callable[[str], Any] = super()._get_request_body
        if self.method != "DELETE":
            return document(direction)
        self.method = "PATCH"
        try:
            return document(direction)
        finally:
            self.method = "DELETE"


def _validated(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


class CaseContactApi(GenericAPIView[Any]):
    permission_classes = [CorrectingRoles]
    schema = RemovalSchema()
    serializer_class = ContactPatchSerializer

    @extend_schema(request=ContactPatchSerializer, responses={200: ContactSerializer})
    def patch(self, request: Request, case_id: uuid.UUID, contact_id: uuid.UUID) -> Response:
        changes = _validated(ContactPatchSerializer, request)
        attempt = casework.update_contact_attempt(
            actor=actor_of(request), case_id=case_id, contact_id=contact_id, **changes
        )
        return Response(ContactSerializer(attempt).data)

    @extend_schema(request=RemovalSerializer, responses=_REMOVED)
    def delete(self, request: Request, case_id: uuid.UUID, contact_id: uuid.UUID) -> Response:
        body = _validated(RemovalSerializer, request)
        casework.remove_contact_attempt(
            actor=actor_of(request), case_id=case_id, contact_id=contact_id, reason=body["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class CaseGoalApi(GenericAPIView[Any]):
    permission_classes = [CorrectingRoles]
    schema = RemovalSchema()
    serializer_class = GoalPatchSerializer

    @extend_schema(request=GoalPatchSerializer, responses={200: PlanGoalSerializer})
    def patch(self, request: Request, case_id: uuid.UUID, goal_id: uuid.UUID) -> Response:
        changes = _validated(GoalPatchSerializer, request)
        goal = casework.update_plan_goal(actor=actor_of(request), case_id=case_id, goal_id=goal_id, **changes)
        return Response(PlanGoalSerializer(goal).data)

    @extend_schema(request=RemovalSerializer, responses=_REMOVED)
    def delete(self, request: Request, case_id: uuid.UUID, goal_id: uuid.UUID) -> Response:
        body = _validated(RemovalSerializer, request)
        casework.remove_plan_goal(
            actor=actor_of(request), case_id=case_id, goal_id=goal_id, reason=body["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class CaseGoalActionsApi(GenericAPIView[Any]):
    permission_classes = [role_permission(*permissions.casework_roles(permissions.PLAN))]
    serializer_class = ActionInputSerializer

    @extend_schema(request=ActionInputSerializer, responses={201: PlanActionSerializer})
    def post(self, request: Request, case_id: uuid.UUID, goal_id: uuid.UUID) -> Response:
        body = _validated(ActionInputSerializer, request)
        action = casework.add_plan_action(actor=actor_of(request), case_id=case_id, goal_id=goal_id, **body)
        return Response(PlanActionSerializer(action).data, status=status.HTTP_201_CREATED)


class CaseGoalActionApi(GenericAPIView[Any]):
    permission_classes = [CorrectingRoles]
    schema = RemovalSchema()
    serializer_class = ActionPatchSerializer

    @extend_schema(request=ActionPatchSerializer, responses={200: PlanActionSerializer})
    def patch(
        self, request: Request, case_id: uuid.UUID, goal_id: uuid.UUID, action_id: uuid.UUID
    ) -> Response:
        changes = _validated(ActionPatchSerializer, request)
        action = casework.update_plan_action(
            actor=actor_of(request), case_id=case_id, goal_id=goal_id, action_id=action_id, **changes
        )
        return Response(PlanActionSerializer(action).data)

    @extend_schema(request=RemovalSerializer, responses=_REMOVED)
    def delete(
        self, request: Request, case_id: uuid.UUID, goal_id: uuid.UUID, action_id: uuid.UUID
    ) -> Response:
        body = _validated(RemovalSerializer, request)
        casework.remove_plan_action(
            actor=actor_of(request),
            case_id=case_id,
            goal_id=goal_id,
            action_id=action_id,
            reason=body["reason"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class CaseNetworkMemberApi(GenericAPIView[Any]):
    permission_classes = [CorrectingRoles]
    schema = RemovalSchema()
    serializer_class = NetworkPatchSerializer

    @extend_schema(request=NetworkPatchSerializer, responses={200: NetworkMemberSerializer})
    def patch(self, request: Request, case_id: uuid.UUID, member_id: uuid.UUID) -> Response:
        changes = _validated(NetworkPatchSerializer, request)
        member = casework.update_network_member(
            actor=actor_of(request), case_id=case_id, member_id=member_id, **changes
        )
        return Response(NetworkMemberSerializer(member).data)

    @extend_schema(request=RemovalSerializer, responses=_REMOVED)
    def delete(self, request: Request, case_id: uuid.UUID, member_id: uuid.UUID) -> Response:
        body = _validated(RemovalSerializer, request)
        casework.remove_network_member(
            actor=actor_of(request), case_id=case_id, member_id=member_id, reason=body["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class CasePlanApi(GenericAPIView[Any]):
    permission_classes = [role_permission(*permissions.casework_roles(permissions.PLAN))]
    serializer_class = PlanInputSerializer

    def get_object(self) -> Any:
        """Nothing: the service finds the case in the actor's scope. OPTIONS asks for the
        object to describe PUT with, and goes without."""
        raise Http404

    @extend_schema(request=PlanInputSerializer, responses={200: PlanTextsSerializer})
    def put(self, request: Request, case_id: uuid.UUID) -> Response:
        body = _validated(PlanInputSerializer, request)
        plan = casework.set_plan(actor=actor_of(request), case_id=case_id, **body)
        return Response(PlanTextsSerializer(plan).data)
