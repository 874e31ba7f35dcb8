from django.apps import AppConfig


class SchakelpuntConfig(AppConfig):
    name = "schakelpunt"

    def ready(self) -> None:
        from helpers.serializers import quote_no_values

        # Error texts never repeat a refused value (it may be personal data in the wrong field).
        quote_no_values()
