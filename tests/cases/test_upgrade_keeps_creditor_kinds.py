"""Cases opened before the upgrade keep counting the creditors of their earlier signals.

Placing a signal reads the kinds of creditor a case has seen from the case
itself; the upgrade fills them in from the signals each case already has.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from cases.models import Case, Priority
from tests.signals.payloads import signal

from .flow import file_case

FILL = importlib.import_module("signals.migrations.0008_case_creditor_kinds_from_signals").fill


def test_a_case_from_before_the_upgrade_is_raised_by_a_second_kind_of_creditor(world, api_as):
    case_id = file_case(world, api_as)  # rent arrears: the housing corporation
    Case.objects.filter(pk=case_id).update(creditor_kinds="")  # as it was before the upgrade

    FILL(apps, SimpleNamespace(connection=connection))
    response = api_as(world.energie).post(
        "/api/v1/signals/",
        signal(signal_type="energy_arrears", partner_reference="E-1", subject__surname="JANSEN DE VRIES"),
        format="json",
    )

    assert response.status_code == 201
    case = Case.objects.get(pk=case_id)
    assert case.signal_count == 2
    assert case.priority == Priority.RAISED
    assert case.creditor_kinds == "energy,housing"
