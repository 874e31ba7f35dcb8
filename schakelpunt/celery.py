"""The Celery app. Without CELERY_BROKER_URL tasks run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schakelpunt.settings")

app = Celery("schakelpunt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _bulk_schedule(sender: Celery, **kwargs: object) -> None:
    # Bulk parts whose worker is gone are handed on within a couple of minutes,
    # well before the broker's visibility timeout returns their tasks.
    sender.add_periodic_task(
        60.0, sender.signature("signals.tasks.resume_bulk_uploads"), name="resume-bulk-uploads"
    )
