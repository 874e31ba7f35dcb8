"""rotate_field_keys reseals bulk files still waiting, so the old key can go without failing them."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from audit.models import AccessEvent
from helpers import crypto
from helpers.keys import KeyRing, parse_field_keys
from signals import bulk
from signals.models import BulkUpload
from tests.signals.test_bulk_intake import csv_file, row
from tests.test_encryption import NEW_KEY


def _key_id(upload: BulkUpload) -> str:
    with bulk._path(upload.pk).open("rb") as source:
        return crypto.file_key_id(source)


def test_a_waiting_bulk_file_is_resealed_under_the_new_key(world, api_as, settings, tmp_path):
    settings.BULK_UPLOAD_DIR = str(tmp_path)
    content = csv_file([row(1), row(2)])
    # Not run after commit: the upload stays waiting, its file sealed under the old key.
    response = api_as(world.corporatie).post(
        "/api/v1/signals/bulk/", {"file": SimpleUploadedFile("maand.csv", content)}, format="multipart"
    )
    assert response.status_code == 202
    upload = BulkUpload.objects.get(pk=response.json()["id"])
    assert upload.state == BulkUpload.State.PENDING
    old_ring: KeyRing = settings.SCHAKELPUNT_KEYS
    old_id = _key_id(upload)
    new_key = parse_field_keys(NEW_KEY)
    settings.SCHAKELPUNT_KEYS = KeyRing(
        field_keys=new_key + old_ring.field_keys,
        blind_index_key=old_ring.blind_index_key,
        audit_chain_key=old_ring.audit_chain_key,
    )

    call_command("rotate_field_keys")

    assert old_id != "t2" and _key_id(upload) == "t2"
    assert AccessEvent.objects.filter(action="keys.rotate", object_type="signals.bulkupload.file").exists()
    assert bulk.reseal_waiting_files() == 0  # already under the newest key
    settings.SCHAKELPUNT_KEYS = KeyRing(
        field_keys=new_key, blind_index_key=old_ring.blind_index_key, audit_chain_key=old_ring.audit_chain_key
    )
    assert "".join(bulk._text_lines(upload)).encode() == content
    assert not list(tmp_path.glob("*.resealing"))
