"""Values every request needs and admins rarely change, kept per process for a few seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_ALL: list[ProcessCache[Any]] = []


class ProcessCache(Generic[T]):
    """``load()``'s value, read again at most every ``seconds`` in each process.

    A change made in this process clears it at once (``clear``, connected to
    the model's save and delete signals); other processes see it within
    ``seconds``.
    """

    def __init__(self, load: Callable[[], T], seconds: float = 5.0) -> None:
        self._load = load
        self._seconds = seconds
        self._held: tuple[float, T] | None = None
        _ALL.append(self)

    def get(self) -> T:
        now = time.monotonic()
        held = self._held
        if held is not None and now - held[0] < self._seconds:
            return held[1]
        value = self._load()
        self._held = (now, value)
        return value

    def clear(self, **signal_kwargs: object) -> None:
        self._held = None


def clear_all() -> None:
    """Forget every cached value (tests: rolled-back rows must not outlive their test)."""
    for cache in _ALL:
        cache.clear()
