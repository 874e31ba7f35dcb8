"""API tokens and partner system keys: made, shown once, revoked; each step in the access log.

Only a digest of a secret is stored (``coordination.models.ApiToken``), so
neither a database dump nor the administrator has a usable credential. The
secret is returned once, to whoever made it, and never logged.

- A personal token comes from the token login (``schakelpunt.accounts``) and
  lives ``API_TOKEN_HOURS``; logging out (page or API) and a new password
  revoke it.
- A system key is one sending system's credential of a partner
  organisation, named, made and revoked by the organisation's own partner
  staff (API and page: ``schakelpunt.system_keys``), and lives
  ``SYSTEM_KEY_DAYS``. It acts as the colleague who made it, with the
  partner role only, and stops when that colleague is deactivated or leaves
  the organisation. It survives its maker's logout and password change: a
  sending system must not stop when a person logs out.
- The administrator can revoke tokens and keys in the admin, never see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from coordination.models import ApiToken, Role, User, password_changed
from coordination.tokens import digest, new_secret

NAME_MAX_CHARS = ApiToken._meta.get_field("name").max_length or 100


def personal_token_lifetime() -> timedelta:
    return timedelta(hours=int(getattr(settings, "API_TOKEN_HOURS", 8)))


def system_key_lifetime() -> timedelta:
    return timedelta(days=int(getattr(settings, "SYSTEM_KEY_DAYS", 365)))


def _record(actor: User | None, token: ApiToken, action: str, **detail: Any) -> None:
    # The token's id and kind, never its secret or digest.
    record(
        actor=actor,
        event_type="write",
        action=action,
        object_type="api_token",
        object_id=str(token.pk),
        detail={"kind": token.kind, **detail},
    )


# ---------------------------------------------------------------- personal tokens


def personal_tokens_per_user() -> int:
    return max(1, int(getattr(settings, "API_TOKENS_PER_USER", 10)))


def issue_personal_token(user: User) -> str:
    """Make a personal API token for ``user`` and return its secret (the only time it exists).

    The user's expired tokens are removed on the way, and the oldest are
    revoked beyond ``API_TOKENS_PER_USER``, so a script that logs in on
    every run does not pile up live credentials.
    """
    with transaction.atomic():
        now = timezone.now()
        mine = ApiToken.objects.filter(user=user, kind=ApiToken.Kind.PERSONAL)
        mine.filter(expires_at__lte=now).delete()
        for old in mine.order_by("-created_at", "-id")[personal_tokens_per_user() - 1 :]:
            _record(user, old, "token.revoke", reason="replaced")
            old.delete()
        secret = new_secret()
        token = ApiToken.objects.create(
            kind=ApiToken.Kind.PERSONAL,
            user=user,
            digest=digest(secret),
            expires_at=now + personal_token_lifetime(),
        )
        _record(user, token, "token.create", expires_at=token.expires_at.isoformat())
    return secret


def revoke_personal_tokens(*, user: User, reason: str, only: int | None = None) -> int:
    """Revoke the user's personal tokens (``only``: just the one with this id); returns how many."""
    with transaction.atomic():
        tokens = ApiToken.objects.select_for_update().filter(user=user, kind=ApiToken.Kind.PERSONAL)
        if only is not None:
            tokens = tokens.filter(pk=only)
        revoked = list(tokens)
        for token in revoked:
            _record(user, token, "token.revoke", reason=reason)
        ApiToken.objects.filter(pk__in=[t.pk for t in revoked]).delete()
    return len(revoked)


@receiver(user_logged_out, dispatch_uid="schakelpunt-tokens-logout")
def _revoke_at_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if isinstance(user, User):
        revoke_personal_tokens(user=user, reason="logout")


@receiver(password_changed, dispatch_uid="schakelpunt-tokens-password")
def _revoke_at_password_change(sender: Any, user: User, **kwargs: Any) -> None:
    revoke_personal_tokens(user=user, reason="password_change")


# ---------------------------------------------------------------- system keys


@dataclass(frozen=True)
class IssuedKey:
    """A system key just made, with its secret: shown once, then only the digest remains."""

    key: ApiToken
    secret: str


def _partner_organisation(actor: User) -> int:
    if not actor.has_role(Role.PARTNER) or actor.organisation_id is None:
        raise PermissionDenied
    return int(actor.organisation_id)


def system_keys_for(actor: User) -> QuerySet[ApiToken]:
    """The system keys of the actor's own organisation (a partner's), newest first."""
    return (
        ApiToken.objects.filter(kind=ApiToken.Kind.SYSTEM, organisation_id=_partner_organisation(actor))
        .select_related("user")
        .order_by("name", "id")
    )


def create_system_key(*, actor: User, name: str) -> IssuedKey:
    """Make a named system key for the actor's partner organisation.

    One key per sending system: a name already in use by a key that has not
    expired is refused (revoke that key first); an expired one is removed.
    """
    organisation_id = _partner_organisation(actor)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Geef de sleutel een naam, bijvoorbeeld die van het systeem.")})
    if len(name) > NAME_MAX_CHARS:
        raise ValidationError({"name": _("Een naam heeft hoogstens %(n)d tekens.") % {"n": NAME_MAX_CHARS}})
    with transaction.atomic(durable=True):
        now = timezone.now()
        same_name = ApiToken.objects.select_for_update().filter(
            kind=ApiToken.Kind.SYSTEM, organisation_id=organisation_id, name__iexact=name
        )
        for old in same_name:
            if old.expires_at > now:
                raise ValidationError({"name": _("Er is al een systeemsleutel met deze naam.")})
            _record(actor, old, "token.revoke", reason="expired")
            old.delete()
        secret = new_secret()
        try:
            # A colleague making a key of the same name at the same moment.
            with transaction.atomic():
                key = ApiToken.objects.create(
                    kind=ApiToken.Kind.SYSTEM,
                    user=actor,
                    organisation_id=organisation_id,
                    name=name,
                    digest=digest(secret),
                    expires_at=now + system_key_lifetime(),
                )
        except IntegrityError:
            raise ValidationError({"name": _("Er is al een systeemsleutel met deze naam.")}) from None
        _record(actor, key, "token.create", expires_at=key.expires_at.isoformat())
    return IssuedKey(key=key, secret=secret)


def revoke_system_key(*, actor: User, key_id: int) -> None:
    """Revoke one of the actor's organisation's system keys; another's, or none, is 404."""
    organisation_id = _partner_organisation(actor)
    with transaction.atomic(durable=True):
        key = (
            ApiToken.objects.select_for_update()
            .filter(kind=ApiToken.Kind.SYSTEM, organisation_id=organisation_id, pk=key_id)
            .first()
        )
        if key is None:
            raise Http404
        _record(actor, key, "token.revoke", reason="revoked")
        key.delete()


# ---------------------------------------------------------------- the administrator


def revoke_by_administrator(*, actor: User, tokens: QuerySet[ApiToken]) -> int:
    """The admin's only power over tokens: revoke them (never read them); returns how many."""
    with transaction.atomic():
        revoked = list(tokens.select_for_update())
        for token in revoked:
            _record(actor, token, "token.revoke", reason="administrator", owner=token.user_id)
        ApiToken.objects.filter(pk__in=[t.pk for t in revoked]).delete()
    return len(revoked)
