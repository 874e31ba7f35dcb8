from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cases.deadlines import run_deadlines
from cases.notifications import deliver_pending


class Command(BaseCommand):
    help = "Mark cases whose deadline passed as overdue and notify their owners and coordinators once."

    def handle(self, *args: Any, **options: Any) -> None:
        result = run_deadlines()
        delivered = deliver_pending()
        self.stdout.write(
            f"{result.marked_overdue} cases newly overdue, {result.notified} notifications queued, "
            f"{delivered} sent."
        )
