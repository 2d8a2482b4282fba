"""Messages in these tests are asserted in English; one test checks the Indonesian default."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english_outside_requests(request: pytest.FixtureRequest) -> None:
    if "app_config" in request.fixturenames and "indonesian" not in request.node.name:
        request.getfixturevalue("app_config")["WARTA_DEFAULT_LOCALE"] = "en"
