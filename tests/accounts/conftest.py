import pytest

from tests.accounts.kakao_flow import kakao_stub


@pytest.fixture
def kakao_http():
    """Kakao's HTTP, stubbed where the browser flow's server-side calls go (the sandbox's URLs)."""
    with kakao_stub() as mock:
        yield mock


@pytest.fixture
def no_rate_limits(settings):
    """Turn the login and API limits off for tests that log in many times."""
    settings.RATE_LIMITS = {}
