import logging

import pytest

from accounts.security import logger as security_logger

# Single sign-on: the forge provider and the django-oauth-toolkit one (tests/idp/).
from tests.idp.fixtures import forge, idp, idp_sso, sso  # noqa: F401


class SecurityLog:
    """The security records emitted during a test, as the dicts the JSON lines are made of."""

    def __init__(self, caplog):
        self._caplog = caplog

    @property
    def records(self) -> list[dict]:
        return [
            r.security
            for r in self._caplog.records
            if r.name == "tenderleaf.security" and hasattr(r, "security")
        ]

    def events(self, name: str) -> list[dict]:
        return [record for record in self.records if record["event"] == name]

    def one(self, name: str) -> dict:
        found = self.events(name)
        assert len(found) == 1, f"expected one {name!r}, got {self.records}"
        return found[0]


@pytest.fixture
def security_log(caplog):
    # The security logger does not propagate (its JSON lines must not be printed twice), so
    # caplog's handler is attached to it directly.
    security_logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="tenderleaf.security")
    try:
        yield SecurityLog(caplog)
    finally:
        security_logger.removeHandler(caplog.handler)
