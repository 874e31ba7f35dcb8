from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "signals"
    verbose_name = "Signalen"

    def ready(self) -> None:
        from audit import changes, subjects
        from cases import events

        from . import receivers
        from .audit_directory import SignalDirectory
        from .models import OrganisationSignalTypes, SignalType, ThreatUrgency

        events.case_moved.connect(receivers.follow_case, dispatch_uid="signals-follow-case")
        events.case_merged.connect(receivers.follow_merge, dispatch_uid="signals-follow-merge")
        # Which signals count, and from what amount, is configuration: its changes are logged.
        changes.track(
            SignalType,
            "signal_type",
            (
                "code",
                "name",
                "statutory",
                "requires_consent",
                "is_arrears",
                "creditor",
                "minimum_amount",
                "active",
                "priority",
            ),
        )
        # How urgent a threat makes a case is configuration too.
        changes.track(ThreatUrgency, "threat_urgency", ("threat", "priority"))
        # Which types an organisation may file is configuration too.
        changes.track(OrganisationSignalTypes, "organisation_signal_types", ("organisation_id",))
        changes.track_members(
            OrganisationSignalTypes.signal_types.through,
            "organisation_signal_types.change",
            "organisation_signal_types",
            "signal_types",
        )
        subjects.register(SignalDirectory())
