"""Households filed before address search get their keys from their signals."""

from __future__ import annotations

from django.core.management import call_command

from cases.models import SearchKey

from .flow import file_case


def test_the_command_writes_missing_address_keys_once(world, api_as):
    case_id = file_case(world, api_as)
    SearchKey.objects.all().delete()  # as before address search existed
    client = api_as(world.triage)
    query = {"postcode": "1012AB", "house_number": "12"}
    assert client.get("/api/v1/search/", query).json()["results"] == []

    call_command("index_search_keys")
    call_command("index_search_keys")

    assert SearchKey.objects.count() == 1
    assert [row["id"] for row in client.get("/api/v1/search/", query).json()["results"]] == [case_id]
