from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "signals"
    verbose_name = "Signalen"

    def ready(self) -> None:
        from audit import subjects
        from cases import events

        from . import receivers
        from .audit_directory import SignalDirectory

        events.case_moved.connect(receivers.follow_case, dispatch_uid="signals-follow-case")
        subjects.register(SignalDirectory())
