from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from cases.matching import SUBJECT_FIELDS, Evidence
from cases.models import (
    CLOSING_OUTCOMES,
    LEGACY_OUTCOMES,
    Case,
    ContactAttempt,
    Priority,
    RecommendedAction,
    State,
)
from helpers.serializers import RowIdField, StrictSerializer


class RefSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    name = serializers.CharField()


class UserRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class CaseSignalSerializer(serializers.Serializer[Any]):
    """A signal as the people working the case see it, personal data decrypted."""

    id = serializers.UUIDField()
    reference = serializers.CharField()
    signal_type = serializers.CharField(source="signal_type.code")
    organisation = serializers.CharField(source="organisation.name")
    received_at = serializers.DateTimeField()
    status = serializers.CharField()
    arrears_amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    arrears_since = serializers.DateField(allow_null=True)
    threat = serializers.CharField()
    children_in_household = serializers.CharField()
    consent_given = serializers.BooleanField()
    note = serializers.CharField(allow_null=True)
    subject = serializers.SerializerMethodField()

    def get_subject(self, signal: Any) -> dict[str, Any]:
        return {name: getattr(signal, name) for name in SUBJECT_FIELDS}


class TrayRefSerializer(serializers.Serializer[Any]):
    """The work tray a case is in (``cases.trays``) and its recommended first action."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    recommended_action = serializers.ChoiceField(choices=RecommendedAction.choices)


@extend_schema_serializer(component_name="LinkedCase")
class CaseRefSerializer(serializers.Serializer[Any]):
    """Another case this one links to: its id and reference."""

    id = serializers.UUIDField()
    reference = serializers.CharField()


@extend_schema_serializer(component_name="PreviousCase")
class PreviousCaseSerializer(CaseRefSerializer):
    outcome = serializers.CharField(help_text="How the earlier case closed (an outcome code)")
    closed_at = serializers.DateTimeField(allow_null=True)


class CaseListSerializer(serializers.ModelSerializer[Case]):
    """A queue row: no personal data."""

    team = RefSerializer(allow_null=True)
    lead = UserRefSerializer(allow_null=True)
    routed_team = serializers.SerializerMethodField()
    tray = TrayRefSerializer(allow_null=True, help_text="The work tray the case is in")

    class Meta:
        model = Case
        fields: tuple[str, ...] = (
            "id",
            "reference",
            "state",
            "priority",
            "overdue",
            "due_at",
            "team",
            "routed_team",
            "lead",
            "signal_count",
            "opened_at",
            "last_signal_at",
            "tray",
            "repeat",
            "multiple",
        )

    def get_routed_team(self, case: Case) -> dict[str, Any] | None:
        """The district team the postcode routes to: the default for referral."""
        if case.district is None:
            return None
        return {"id": str(case.district.team_id), "name": case.district.team.name}


class CaseSummarySerializer(CaseListSerializer):
    """The answer to a transition: the case's new standing, no personal data."""

    available_transitions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields: tuple[str, ...] = (
            *CaseListSerializer.Meta.fields,
            "outcome",
            "closed_at",
            "help_accepted_on",
            "available_transitions",
        )

    def get_available_transitions(self, case: Case) -> list[str]:
        return list(self.context["available_transitions"])


class ContactSerializer(serializers.ModelSerializer[ContactAttempt]):
    by = UserRefSerializer()
    note = serializers.CharField(allow_null=True)

    class Meta:
        model = ContactAttempt
        fields = ("id", "channel", "result", "reached", "at", "note", "by")


class PlanActionSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(read_only=True)
    description = serializers.CharField(max_length=2000)
    owner = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    done = serializers.BooleanField(read_only=True)


class PlanGoalSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    description = serializers.CharField(max_length=2000)
    achieved = serializers.BooleanField(read_only=True)
    actions = PlanActionSerializer(many=True, required=False)


class NetworkMemberSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(read_only=True)
    organisation = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=200)
    person = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    contact = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)


class PlanSerializer(serializers.Serializer[Any]):
    strengths = serializers.CharField(allow_null=True, help_text="Wat goed gaat")
    problems = serializers.ListField(
        child=serializers.CharField(), help_text="Problemen, de meest dringende eerst"
    )
    goals = PlanGoalSerializer(many=True)


class TimelineItemSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    summary = serializers.CharField()
    reason = serializers.CharField(required=False, allow_null=True)
    actor = serializers.CharField(allow_null=True)
    # Transitions only: the codes behind the summary. (DRF's metaclass moves
    # declared fields off the class, so ``source`` does not shadow Field.source.)
    name = serializers.CharField(required=False, help_text="Transitie, bv. claim")
    source = serializers.CharField(required=False, help_text="Status ervoor")  # type: ignore[assignment]  # a field, not Field.source
    target = serializers.CharField(required=False, help_text="Status erna")
    # Corrections only: ``edited`` or ``removed``.
    change = serializers.CharField(required=False, help_text="Correctie: edited of removed")


class PossibleMatchSerializer(serializers.Serializer[Any]):
    """Another case that may be about the same household: no personal data."""

    id = serializers.UUIDField(source="case.id")
    reference = serializers.CharField(source="case.reference")
    state = serializers.CharField(source="case.state")
    evidence = serializers.ChoiceField(choices=Evidence.choices, help_text="Waarom ze niet samengevoegd zijn")


class CaseDetailSerializer(CaseSummarySerializer):
    household = serializers.UUIDField(source="household_id")
    district = serializers.CharField(source="district.name", allow_null=True, default=None)
    claimed_by = UserRefSerializer(allow_null=True)
    outcome_reason = serializers.CharField(allow_null=True)
    merged_into = serializers.UUIDField(
        source="merged_into_id", allow_null=True, help_text="Closed as merged: the case it went into"
    )
    signals = serializers.SerializerMethodField()
    contacts = ContactSerializer(many=True)
    plan = serializers.SerializerMethodField()
    network = NetworkMemberSerializer(many=True)
    timeline = serializers.SerializerMethodField()
    possible_matches = serializers.SerializerMethodField()
    previous_case = PreviousCaseSerializer(
        allow_null=True,
        help_text="A repeat case: the household's earlier case, closed within the repeat window",
    )
    later_cases = CaseRefSerializer(
        many=True, help_text="Repeat cases opened for the household after this one closed"
    )

    class Meta(CaseSummarySerializer.Meta):
        fields = (
            *CaseSummarySerializer.Meta.fields,
            "household",
            "district",
            "claimed_by",
            "outcome_reason",
            "merged_into",
            "signals",
            "timeline",
            "contacts",
            "plan",
            "network",
            "possible_matches",
            "previous_case",
            "later_cases",
        )

    @extend_schema_field(PlanSerializer)
    def get_plan(self, case: Case) -> dict[str, Any]:
        texts = getattr(case, "plan_texts", None)
        return {
            "strengths": texts.strengths if texts is not None else None,
            "problems": texts.problem_list if texts is not None else [],
            "goals": PlanGoalSerializer(case.goals.all(), many=True).data,
        }

    @extend_schema_field(CaseSignalSerializer(many=True))
    def get_signals(self, case: Case) -> list[dict[str, Any]]:
        """The case's signals (``casefile.contents.signals_of``), passed in the context."""
        return [CaseSignalSerializer(signal).data for signal in self.context["signals"]]

    @extend_schema_field(TimelineItemSerializer(many=True))
    def get_timeline(self, case: Case) -> list[dict[str, Any]]:
        return [TimelineItemSerializer(item).data for item in self.context["timeline"]]

    @extend_schema_field(PossibleMatchSerializer(many=True))
    def get_possible_matches(self, case: Case) -> list[dict[str, Any]]:
        """Cases that may be the same household (too little evidence to join), in the reader's scope."""
        return [PossibleMatchSerializer(match).data for match in self.context["possible_matches"]]


class CaseFilterSerializer(serializers.Serializer[Any]):
    state = serializers.ChoiceField(choices=State.choices, required=False)
    team = serializers.UUIDField(required=False)
    lead = RowIdField(required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    tray = RowIdField(required=False, help_text="A work tray's id (GET /api/v1/trays/)")


class TransitionInputSerializer(StrictSerializer):
    """Arguments for any transition; each service takes the ones it needs."""

    team = serializers.UUIDField(required=False, allow_null=True)
    lead = RowIdField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    outcome = serializers.ChoiceField(
        choices=[*CLOSING_OUTCOMES, *((old, f"{old} → {new}") for old, new in LEGACY_OUTCOMES.items())],
        required=False,
        help_text=(
            "For close: one of the sixteen DDAS v1.2 end results. The codes used before them are "
            "still accepted and stored as the end result they became: "
            + "; ".join(f"{old} → {new}" for old, new in LEGACY_OUTCOMES.items())
            + ". not_picked_up_other needs a reason."
        ),
    )


class ContactInputSerializer(StrictSerializer):
    channel = serializers.ChoiceField(choices=ContactAttempt.Channel.choices)
    result = serializers.ChoiceField(choices=ContactAttempt.Result.choices)
    at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class GoalInputSerializer(StrictSerializer):
    description = serializers.CharField(max_length=2000)
    actions = PlanActionSerializer(many=True, required=False)


class MergeInputSerializer(StrictSerializer):
    """``POST /api/v1/cases/{id}/merge/``: the case that goes up in this one."""

    case = serializers.UUIDField(help_text="De casus die in deze casus opgaat")
    reason = serializers.CharField(max_length=2000)


class SplitInputSerializer(StrictSerializer):
    """``POST /api/v1/cases/{id}/split/``: the signals that do not belong to this case."""

    signals = serializers.ListField(
        child=serializers.UUIDField(),
        min_length=1,
        max_length=500,
        error_messages={"min_length": _("Kies de signalen die niet bij deze casus horen.")},
    )
    reason = serializers.CharField(max_length=2000)


class SplitResultSerializer(CaseSummarySerializer):
    """The split case's new standing, and the case its signals went to."""

    new_case = serializers.SerializerMethodField()

    class Meta(CaseSummarySerializer.Meta):
        fields = (*CaseSummarySerializer.Meta.fields, "new_case")

    @extend_schema_field(CaseListSerializer)
    def get_new_case(self, case: Case) -> dict[str, Any]:
        return dict(CaseListSerializer(self.context["new_case"]).data)


class ContactPatchSerializer(StrictSerializer):
    channel = serializers.ChoiceField(choices=ContactAttempt.Channel.choices, required=False)
    result = serializers.ChoiceField(choices=ContactAttempt.Result.choices, required=False)
    at = serializers.DateTimeField(required=False)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class RemovalSerializer(StrictSerializer):
    """Why a record is removed: kept in the timeline, encrypted."""

    reason = serializers.CharField(max_length=2000)


class GoalPatchSerializer(StrictSerializer):
    description = serializers.CharField(max_length=2000, required=False)
    achieved = serializers.BooleanField(required=False)


class ActionInputSerializer(StrictSerializer):
    description = serializers.CharField(max_length=2000)
    owner = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class ActionPatchSerializer(StrictSerializer):
    description = serializers.CharField(max_length=2000, required=False)
    owner = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    done = serializers.BooleanField(required=False)


class NetworkPatchSerializer(StrictSerializer):
    organisation = serializers.CharField(max_length=200, required=False)
    role = serializers.CharField(max_length=200, required=False)
    person = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    contact = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)


class PlanInputSerializer(StrictSerializer):
    strengths = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    problems = serializers.ListField(
        child=serializers.CharField(max_length=500, allow_blank=True),
        max_length=50,
        required=False,
        default=list,
    )


class PlanTextsSerializer(serializers.Serializer[Any]):
    strengths = serializers.CharField(allow_null=True)
    problems = serializers.ListField(child=serializers.CharField(), source="problem_list")


class HelpAcceptedInputSerializer(StrictSerializer):
    on = serializers.DateField(
        required=False, allow_null=True, help_text="The day the household accepted help (default: today)."
    )


class TraySerializer(serializers.Serializer[Any]):
    """A work tray with its open cases in the reader's scope."""

    id = serializers.IntegerField(source="tray.id")
    name = serializers.CharField(source="tray.name")
    recommended_action = serializers.ChoiceField(
        source="tray.recommended_action", choices=RecommendedAction.choices
    )
    count = serializers.IntegerField(help_text="Open cases, counted up to 1000")
    overdue = serializers.IntegerField(help_text="Of those, overdue")
    capped = serializers.BooleanField(help_text="More than 1000: count says 1000")
