from django.apps import AppConfig


class SchakelpuntConfig(AppConfig):
    name = "schakelpunt"
    verbose_name = "Schakelpunt"

    def ready(self) -> None:
        # Revoking personal API tokens at logout and at a password change.
        from . import tokens  # noqa: F401
