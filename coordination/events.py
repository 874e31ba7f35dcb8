"""What happens to users, told to the apps built on this one (the access log).

Receivers run in the sender's transaction, so a change and its access-log
entry commit together.
"""

from __future__ import annotations

from django.dispatch import Signal as Event

roles_changed = Event()
"""A user's role rows were written: ``user``, ``added`` and ``removed`` (role codes, sorted)."""

demo_seeded = Event()
"""``seed_demo`` made its demo organisations, teams and users: the apps above add
their own demo configuration (``cases``: a work-tray framework). Safe to receive twice."""
