from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from .models import LetterTemplate, PrintRun


class TemplateSerializer(serializers.ModelSerializer[LetterTemplate]):
    class Meta:
        model = LetterTemplate
        fields = ("id", "name", "language")


class RunInputSerializer(serializers.Serializer[Any]):
    template = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    cases = serializers.ListField(
        child=serializers.UUIDField(),
        min_length=1,
        error_messages={"min_length": _("Kies ten minste één casus.")},
    )


class TrayRunInputSerializer(serializers.Serializer[Any]):
    template = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


RunProgressSerializer = inline_serializer(
    "PrintRunProgress",
    {
        "id": serializers.UUIDField(),
        "state": serializers.ChoiceField(choices=PrintRun.State.choices),
        "template": inline_serializer(
            "PrintRunTemplate", {"id": serializers.IntegerField(), "name": serializers.CharField()}
        ),
        "total": serializers.IntegerField(),
        "done": serializers.IntegerField(),
        "letters": serializers.IntegerField(help_text="Cases that got a letter in this run."),
        "skipped": serializers.IntegerField(help_text="Cases that had a letter already."),
        "failed": serializers.IntegerField(),
        "failure": serializers.CharField(),
        "errors": inline_serializer(
            "PrintRunError",
            {
                "case": serializers.UUIDField(),
                "reference": serializers.CharField(),
                "message": serializers.CharField(),
            },
            many=True,
        ),
        "created_at": serializers.DateTimeField(),
        "finished_at": serializers.DateTimeField(allow_null=True),
        "pdf_removed_at": serializers.DateTimeField(
            allow_null=True, help_text="When the PDF was removed, LETTER_RUN_KEEP_HOURS after it was made."
        ),
    },
)
