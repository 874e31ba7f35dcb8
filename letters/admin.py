from django.contrib import admin

from .models import LetterTemplate


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin[LetterTemplate]):
    """Templates are checked when saved (``LetterTemplate.clean``): an unknown placeholder is
    an error on its field, naming the placeholders that may be used."""

    list_display = ("name", "language", "title", "active")
    list_filter = ("language", "active")
    search_fields = ("name", "title")
    fields = ("name", "language", "title", "body", "active")
