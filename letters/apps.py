from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = "Brieven"

    def ready(self) -> None:
        from audit import changes

        from .models import LetterTemplate

        # What a letter says is configuration: its changes are logged.
        changes.track(LetterTemplate, "letter_template", ("name", "language", "title", "body", "active"))
