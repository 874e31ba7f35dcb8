from __future__ import annotations

import pytest


@pytest.fixture
def required(settings):
    """The production setting: a second factor for every role but partners."""
    settings.REQUIRE_SECOND_FACTOR = True
    return settings
