from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Casussen"

    def ready(self) -> None:
        from audit import subjects

        from .audit_directory import CaseDirectory

        subjects.register(CaseDirectory())
