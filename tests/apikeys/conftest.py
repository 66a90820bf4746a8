import pytest

from apikeys import services


@pytest.fixture
def bot(make_user):
    return make_user("bot", nickname="봇")


@pytest.fixture
def make_key(bot):
    """Return a factory of API keys for ``bot``: make_key("posts:read") -> (key, secret)."""

    def make(*scopes: str, user=None, days: int = 30):
        return services.api_key_create(creator=None, user=user or bot, scopes=list(scopes) or ["posts:read"], days=days)

    return make


@pytest.fixture
def writer_key(make_key):
    return make_key("posts:read", "posts:write", "comments:write")
