# The django-fsm-2 names the project uses, typed so that models built on them stay typed.
# The package ships py.typed, but its field and mixin classes resolve to Any under mypy
# (their bases are type aliases chosen under TYPE_CHECKING), which would make `Case` Any.
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import models

_F = TypeVar("_F", bound=Callable[..., Any])

class TransitionNotAllowed(Exception): ...
class ConcurrentTransition(Exception): ...

class FSMField(models.CharField[str, str]):
    def __init__(self, *args: Any, protected: bool = ..., **kwargs: Any) -> None: ...

class ConcurrentTransitionMixin:
    @property
    def state_fields(self) -> Iterable[models.Field[Any, Any]]: ...
    def save(self, *args: Any, **kwargs: Any) -> None: ...
    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None: ...

def transition(
    field: models.Field[Any, Any] | str,
    source: Any = ...,
    target: Any = ...,
    on_error: Any = ...,
    conditions: list[Callable[[Any], bool]] | None = ...,
    permission: Any = ...,
    custom: dict[str, Any] | None = ...,
) -> Callable[[_F], _F]: ...
def can_proceed(bound_method: Callable[..., Any], check_conditions: bool = ...) -> bool: ...

class RETURN_VALUE:
    def __init__(self, *allowed_states: Any) -> None: ...
