"""Dutch by default, English on request."""

from __future__ import annotations


def test_dutch_by_default_english_after_the_switch(world, web_as):
    client = web_as(world.triage)
    assert "<h1>Intake</h1>" in client.get("/casussen/intake/").content.decode()
    assert '<html lang="nl">' in client.get("/casussen/intake/").content.decode()

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/casussen/intake/"}, follow=True)

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "All open cases" in html and "Log out" in html
    assert 'lang="nl"' in html and ">Nederlands</button>" in html  # the way back
