from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Toegangslog"

    def ready(self) -> None:
        from . import changes, receivers  # noqa: F401  (receivers: login / failed-login entries)

        changes.connect()  # configuration changes: roles, teams, policy, ...
