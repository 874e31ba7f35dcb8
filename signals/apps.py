from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "signals"
    verbose_name = "Signalen"

    def ready(self) -> None:
        from cases import events

        from . import receivers

        events.case_moved.connect(receivers.follow_case, dispatch_uid="signals-follow-case")
