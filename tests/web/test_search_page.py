"""The search page and the header's search box: posted, so the values stay out of URLs."""

from __future__ import annotations

import pytest

from cases.models import Case
from tests.cases.flow import file_case
from tests.signals.payloads import VALID_BSN


@pytest.fixture
def intake_case(world, api_as) -> str:
    return file_case(world, api_as, subject__bsn=VALID_BSN)


def test_the_search_page_posts_and_keeps_the_values_out_of_the_url(world, web_as, intake_case):
    client = web_as(world.triage)

    page = client.post("/casussen/zoeken/", {"postcode": "1012 AB", "house_number": "12"})
    quick = client.post("/casussen/zoeken/", {"q": "1012ab 12"})

    reference = Case.objects.get(pk=intake_case).reference
    assert page.status_code == 200 and reference in page.content.decode()
    assert quick.status_code == 200 and reference in quick.content.decode()
    assert client.get("/casussen/zoeken/").status_code == 200


@pytest.mark.parametrize(
    "typed",
    ["111222333", "111.222.333", "jansen-de vries 12-03-1984", "Jansen-de Vries 12/3/1984", "1012 AB 12"],
)
def test_the_header_box_reads_what_is_typed(world, web_as, intake_case, typed):
    page = web_as(world.triage).post("/casussen/zoeken/", {"q": typed})

    assert page.status_code == 200
    assert Case.objects.get(pk=intake_case).reference in page.content.decode()


def test_the_header_box_explains_what_it_does_not_read(world, web_as):
    page = web_as(world.triage).post("/casussen/zoeken/", {"q": "mevrouw El Amrani"})

    assert page.status_code == 400
    assert "Niet herkend" in page.content.decode()
