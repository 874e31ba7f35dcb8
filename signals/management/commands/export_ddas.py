"""``manage.py export_ddas --start YYYY-MM-DD --end YYYY-MM-DD [--output FILE] [--user NAME]``.

Writes the DDAS v1.2 delivery for the period to FILE (created readable by its
owner only), or to standard output. The export is made as a user with the
monitor role and logged like the API's: name one with ``--user`` when there
are several.
"""

from __future__ import annotations

import datetime
import json
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coordination.models import Role, User
from signals.ddas_export import build_export


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {text!r}") from None


class Command(BaseCommand):
    help = "Write the delivery to the national monitor (DDAS v1.2 JSON) for a period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--output", help="file to write (mode 600); standard output without it")
        parser.add_argument("--user", help="the monitor account the export is made and logged as")

    def handle(
        self, *args: Any, start: str, end: str, output: str | None, user: str | None, **kw: Any
    ) -> None:
        actor = self._actor(user)
        try:
            document = build_export(actor=actor, start=_day(start), end=_day(end))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        # Created for its owner only: the file holds BSNs and addresses.
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        delivery = document["leveringen"][0]
        self.stderr.write(
            f"{len(delivery['vroegsignalen'])} signals and {len(delivery['vroegsignaalzaken'])} cases "
            f"written to {output}."
        )

    def _actor(self, username: str | None) -> User:
        monitors = User.objects.holding(Role.MONITOR)
        if username:
            monitors = monitors.filter(username=username)
        found = list(monitors[:2])
        if len(found) != 1:
            raise CommandError(
                "Name one active user with the monitor role (--user)."
                if found
                else "No active user with the monitor role" + (f" named {username!r}." if username else ".")
            )
        return found[0]
