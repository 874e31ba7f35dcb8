import os

from django.core.wsgi import get_wsgi_application

from schakelpunt.database import bound_request_waits

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schakelpunt.settings")

# Web requests give up on a slow statement or a held lock before gunicorn kills the worker.
bound_request_waits()
application = get_wsgi_application()
