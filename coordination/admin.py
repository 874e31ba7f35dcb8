from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import District, Organisation, Policy, PostcodeArea, Role, Team, User, role_codes


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name",)


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class UserChangeForm(auth_forms.UserChangeForm[User]):
    """Django's own user change form (the password as a read-only summary with a
    link to the change-password page, never the hash in a text box) plus roles.

    The roles are rows of their own (``UserRole``): the form shows the
    user's and hands the chosen ones to the user, whose save writes them.
    """

    roles = RolesField(choices=Role.choices, required=False, label=_("rollen"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["roles"].initial = self.instance.roles

    def save(self, commit: bool = True) -> User:
        if "roles" in self.fields:  # read-only on one's own page: left as they are
            self.instance.roles = self.cleaned_data.get("roles") or []
        user: User = super().save(commit=commit)
        return user

    class Meta:
        model = User
        field_classes = {"username": auth_forms.UsernameField}
        fields = (
            "username",
            "password",
            "first_name",
            "last_name",
            "email",
            "organisation",
            "phone",
            "roles",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        )


OWN_FIXED = ("roles", "is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    # Passwords only through Django's forms: the add form's password1/password2
    # (DjangoUserAdmin.add_form) and the change-password page linked from the
    # user's page (DjangoUserAdmin.change_password_form).
    form = UserChangeForm
    list_display = ("username", "first_name", "last_name", "organisation", "role_list", "is_active")
    list_filter = ("organisation", "is_active", "user_roles__role")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Schakelpunt"), {"fields": ("organisation", "phone", "roles")}),
    )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or obj.pk != request.user.pk:
            return form

        class OwnUserForm(form):  # type: ignore[misc,valid-type]  # a class made by the admin at run time
            """One's own page: roles and privileges shown, never taken from the post
            (disabled fields keep their initial value), as ``coordination.acting``
            refuses a self-grant on any path."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                for name in OWN_FIXED:
                    if name in self.fields:
                        self.fields[name].disabled = True

        return OwnUserForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        users: QuerySet[User] = super().get_queryset(request)
        return users.annotate(role_codes=role_codes())  # the list shows every user's roles

    @admin.display(description=_("rollen"))
    def role_list(self, obj: User) -> str:
        return ", ".join(obj.roles)


class PostcodeAreaInline(admin.TabularInline[PostcodeArea, District]):
    model = PostcodeArea
    extra = 1


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin[District]):
    list_display = ("name", "team")
    inlines = [PostcodeAreaInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("name", "organisation")
    filter_horizontal = ("members",)

    def formfield_for_manytomany(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if db_field.name == "members":
            kwargs["queryset"] = User.objects.filter(is_active=True).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin[Policy]):
    fieldsets = (
        (
            _("Termijnen"),
            {
                "fields": (
                    "urgent_first_contact_working_days",
                    "first_contact_days",
                    "first_conversation_days",
                    "lead_assignment_working_days",
                )
            },
        ),
        (
            _("Bewaartermijnen"),
            {
                "fields": (
                    "retention_without_contact_months",
                    "retention_contact_without_help_months",
                    "retention_after_help_months",
                )
            },
        ),
        (
            _("Levering aan de landelijke monitor (DDAS)"),
            {
                "fields": (
                    "ddas_municipality_code",
                    "ddas_municipality_name",
                    "ddas_kvk_number",
                    "ddas_supplier_code",
                    "ddas_contact_name",
                    "ddas_contact_function",
                    "ddas_contact_phone",
                    "ddas_contact_email",
                )
            },
        ),
    )

    def has_add_permission(self, request: Any) -> bool:
        return not Policy.objects.exists()

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
