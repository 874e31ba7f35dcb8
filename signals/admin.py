from django.contrib import admin

from .models import SignalType


@admin.register(SignalType)
class SignalTypeAdmin(admin.ModelAdmin[SignalType]):
    """Signal types and their thresholds. Signals themselves are case content and
    are not shown in the admin: administrators never see personal data."""

    list_display = ("code", "name", "statutory", "requires_consent", "is_arrears", "minimum_amount", "active")
    list_editable = ("minimum_amount", "active")
