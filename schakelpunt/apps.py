from django.apps import AppConfig


class SchakelpuntConfig(AppConfig):
    name = "schakelpunt"
    verbose_name = "Schakelpunt"

    def ready(self) -> None:
        # Revoking personal API tokens at logout and at a password change.
        from helpers.serializers import quote_no_values

        from . import tokens  # noqa: F401

        # Error texts never repeat a refused value (it may be personal data in the wrong field).
        quote_no_values()
