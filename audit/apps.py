from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Toegangslog"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (login / failed-login entries)
