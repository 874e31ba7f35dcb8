"""What happens to a case, told to the apps built on this one.

``cases`` imports none of those apps and never touches their tables; an app
that keeps something in step with a case (the signals app: the status its
partners see) listens here. Receivers run in the
sender's transaction, so the case and what follows it commit together.
"""

from __future__ import annotations

from django.dispatch import Signal as Event

case_moved = Event()
"""A transition was applied and saved: ``case``."""

case_merged = Event()
"""Case ``other`` was merged into ``case`` (``cases.moves.merge``): what followed
``other`` now follows ``case``."""
