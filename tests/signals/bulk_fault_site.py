"""The Django side of the bulk fault tests, run in a process of its own.

The fault tests run the service on a throwaway PostgreSQL (which they stop
and start) rather than on the test database of pytest-django, so what needs
Django there runs here, with ``DATABASE_URL`` pointing at that server:

    python -m tests.signals.bulk_fault_site seed
    python -m tests.signals.bulk_fault_site upload <username> <file>

``upload`` stores the file as the partner's upload page does and prints its
id; its processing is sent to the broker in ``CELERY_BROKER_URL``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schakelpunt.settings_test")
    import django

    django.setup()
    from coordination.models import Organisation, Role, User
    from signals.bulk import store_upload
    from tests.factories import OrganisationFactory, UserFactory, team_with_area

    command, *rest = argv
    if command == "seed":
        municipality = OrganisationFactory.create(name="Gemeente", kind=Organisation.Kind.MUNICIPALITY)
        team_with_area("Noord", 1000, 1049, municipality)
        team_with_area("Zuid", 1050, 1099, municipality)
        for username in rest:
            housing = OrganisationFactory.create(
                name=f"Woonstichting {username}", kind=Organisation.Kind.HOUSING
            )
            UserFactory.create(username=username, organisation=housing, roles=[Role.PARTNER.value])
    elif command == "upload":
        username, path = rest
        actor = User.objects.get(username=username)
        content = Path(path).read_bytes()
        chunks = (content[i : i + (1 << 20)] for i in range(0, len(content), 1 << 20))
        upload = store_upload(actor=actor, filename=Path(path).name, chunks=chunks, first_bytes=content[:64])
        print(upload.pk)
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
