"""Changes to who may do what, and to the service's settings, as access-log entries.

Every change someone makes (in the admin, on a page, through an API: whoever
``coordination.acting`` names) to a user's roles, organisation or
privileges, to team membership, organisations, districts and postcode areas,
the policy or the signal types (``signals`` registers those with ``track``)
is one ``write`` entry in the same transaction: who, which object (type and
id) and what changed — role codes, ids and configuration values, never a
name, e-mail address or any other personal data.

Actions: ``<object>.create``, ``<object>.change`` (``detail.changed``:
field → [before, after]), ``<object>.delete``, ``user.roles.change``
(``added``, ``removed``), ``team.members.change``, ``user.groups.change``,
``user.permissions.change`` (``added``, ``removed``: ids).

Changes with nobody acting (migrations, ``seed_demo``, a test's setup, a
shell) are not entries: whoever works there can also write to the database
directly, so an entry would prove nothing (SECURITY.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from coordination import acting, events
from coordination.models import District, Organisation, Policy, PostcodeArea, Team, User

from .services import record

_VALUE_CHARS = 100
_BEFORE = "_audit_before"
_CLEARED = "_audit_cleared"


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    return str(value)[:_VALUE_CHARS]


def _write(action: str, object_type: str, object_id: Any, detail: dict[str, Any]) -> None:
    actor = acting.current_user()
    if actor is None:
        return
    record(
        actor=actor,
        event_type="write",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail,
    )


def track(model: type[models.Model], object_type: str, fields: Iterable[str]) -> None:
    """Log every create, change (of ``fields``, attribute names) and delete of ``model``'s rows."""
    names = tuple(fields)
    # update_fields may name a foreign key by its field name or its attribute name.
    tracked = set(names) | {name.removesuffix("_id") for name in names}

    def before(sender: Any, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
        instance.__dict__.pop(_BEFORE, None)
        update_fields = kwargs.get("update_fields")
        if raw or acting.current_user() is None or instance.pk is None:
            return
        if update_fields is not None and not tracked & set(update_fields):
            return  # e.g. the login's last_login: nothing tracked changes
        stored = model._default_manager.filter(pk=instance.pk).values(*names).first()
        instance.__dict__[_BEFORE] = stored

    def after(sender: Any, instance: models.Model, created: bool, raw: bool = False, **kwargs: Any) -> None:
        stored = instance.__dict__.pop(_BEFORE, None)
        if raw:
            return
        now = {name: _value(getattr(instance, name)) for name in names}
        if created or stored is None:
            if created:
                _write(f"{object_type}.create", object_type, instance.pk, {"values": now})
            return
        changed = {
            name: [_value(stored[name]), now[name]] for name in names if _value(stored[name]) != now[name]
        }
        if changed:
            _write(f"{object_type}.change", object_type, instance.pk, {"changed": changed})

    def deleted(sender: Any, instance: models.Model, **kwargs: Any) -> None:
        _write(f"{object_type}.delete", object_type, instance.pk, {})

    uid = f"audit-changes-{model._meta.label_lower}"
    pre_save.connect(before, sender=model, weak=False, dispatch_uid=f"{uid}-before")
    post_save.connect(after, sender=model, weak=False, dispatch_uid=f"{uid}-after")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"{uid}-deleted")


def track_members(through: type[models.Model], entry_action: str, object_type: str, field: str) -> None:
    """Log additions to and removals from a many-to-many relation, per object on its forward side
    (``field``: the relation's name there, to read what ``clear()`` removes)."""

    def changed(
        sender: Any,
        instance: models.Model,
        action: str,
        reverse: bool,
        model: type[models.Model],
        pk_set: set[Any] | None,
        **kwargs: Any,
    ) -> None:
        if acting.current_user() is None:
            return
        if action == "pre_clear":
            if reverse:  # e.g. user.teams.clear(): the forward objects that hold this one
                instance.__dict__[_CLEARED] = list(
                    model._default_manager.filter(**{field: instance.pk}).values_list("pk", flat=True)
                )
            else:
                instance.__dict__[_CLEARED] = list(getattr(instance, field).values_list("pk", flat=True))
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        ids = sorted(pk_set or ()) if action != "post_clear" else instance.__dict__.pop(_CLEARED, [])
        if not ids:
            return
        key = "added" if action == "post_add" else "removed"
        if reverse:
            for forward_id in ids:
                _write(entry_action, object_type, forward_id, {key: [_value(instance.pk)]})
        else:
            _write(entry_action, object_type, instance.pk, {key: [_value(pk) for pk in sorted(ids)]})

    m2m_changed.connect(changed, sender=through, weak=False, dispatch_uid=f"audit-members-{entry_action}")


def _roles_changed(sender: Any, user: User, added: list[str], removed: list[str], **kwargs: Any) -> None:
    _write("user.roles.change", "user", user.pk, {"added": added, "removed": removed})


def connect() -> None:
    """The coordination app's configuration (``signals`` adds its signal types itself)."""
    events.roles_changed.connect(_roles_changed, dispatch_uid="audit-roles-changed")
    track(User, "user", ("organisation_id", "is_active", "is_staff", "is_superuser"))
    track(Organisation, "organisation", ("name", "kind"))
    track(Team, "team", ("name", "organisation_id"))
    track(District, "district", ("name", "team_id"))
    track(PostcodeArea, "postcode_area", ("district_id", "start", "end"))
    track(Policy, "policy", tuple(f.attname for f in Policy._meta.concrete_fields if not f.primary_key))
    track_members(Team.members.through, "team.members.change", "team", "members")
    track_members(User.groups.through, "user.groups.change", "user", "groups")
    track_members(User.user_permissions.through, "user.permissions.change", "user", "user_permissions")
