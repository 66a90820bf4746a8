"""Password guesses are counted before the password is hashed: per client address and per username."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import get_hasher

from ratelimit.middleware import RateLimited

ADMIN_LOGIN = "/admin/login/"
LIMITS = {"address": "3/15m", "username": "5/15m"}
WINDOW_SECONDS = 15 * 60

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture(autouse=True)
def limits(settings):
    settings.PASSWORD_RATE_LIMITS = LIMITS


@pytest.fixture
def staff(make_user):
    return make_user("editor", is_staff=True, password="the-right-password")


@pytest.fixture
def hashes(monkeypatch):
    """Count the password hashes computed (in production each is a PBKDF2 of half a second or more)."""
    hasher = type(get_hasher())
    computed = []
    encode = hasher.encode

    def counted(self, password, salt, *args, **kwargs):
        computed.append(password)
        return encode(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher, "encode", counted)
    return computed


def guess(client, username="editor", password="wrong", address="198.51.100.1"):
    return client.post(
        ADMIN_LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_guess_after_an_addresss_limit_gets_429_with_retry_after_and_no_hash(client, staff, hashes):
    allowed = [guess(client, username=name) for name in ("editor", "minji", "root")]
    refused = guess(client, username="someone-else")

    assert [response.status_code for response in allowed] == [200, 200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(WINDOW_SECONDS - 10)
    assert b'class="site-header"' in refused.content and b"Too many attempts" in refused.content
    assert len(hashes) == 3


def test_one_username_guessed_from_many_addresses_gets_429_after_its_limit_and_no_hash(client, staff, hashes):
    allowed = [guess(client, address=f"198.51.100.{n}") for n in range(5)]
    refused = guess(client, address="203.0.113.9")

    assert [response.status_code for response in allowed] == [200] * 5
    assert refused.status_code == 429 and refused["Retry-After"] == str(WINDOW_SECONDS - 10)
    assert len(hashes) == 5


def test_an_unknown_username_is_counted_and_refused_exactly_like_a_real_one(client, staff):
    def answers(username):
        responses = [guess(client, username=username, address=f"198.51.100.{n}") for n in range(7)]
        return [(response.status_code, response.get("Retry-After")) for response in responses]

    assert answers("editor") == answers("nobody")


def test_the_right_password_under_the_limits_logs_in(client, staff):
    guess(client)
    guess(client)
    response = guess(client, password="the-right-password")

    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_username_others_locked_opens_again_in_the_next_window(client, staff, clock):
    for n in range(6):
        guess(client, address=f"198.51.100.{n}")
    refused = guess(client, password="the-right-password", address="192.0.2.1")
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= WINDOW_SECONDS

    clock.now += int(refused["Retry-After"])

    assert guess(client, password="the-right-password", address="192.0.2.1").status_code == 302


def test_an_address_over_its_own_limit_adds_nothing_to_the_usernames_count(client, staff):
    for _ in range(20):
        guess(client, address="198.51.100.1")

    assert guess(client, password="the-right-password", address="192.0.2.1").status_code == 302


def test_every_caller_of_authenticate_is_counted_even_without_a_request(staff, hashes):
    for _ in range(5):
        assert authenticate(None, username="editor", password="wrong") is None

    with pytest.raises(RateLimited):
        authenticate(None, username="editor", password="the-right-password")
    assert len(hashes) == 5


@pytest.mark.django_db(transaction=True)
def test_while_the_counters_are_down_password_logins_answer_503_and_hash_nothing(client, staff, hashes, settings):
    from tests.ports import free_port

    dead = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
    settings.CACHES = {**settings.CACHES, "counters": dead}
    settings.RATE_LIMIT_CACHE = "counters"
    client.raise_request_exception = False

    responses = [guess(client, password="the-right-password") for _ in range(3)]

    assert [response.status_code for response in responses] == [503] * 3
    assert all(response.has_header("Retry-After") for response in responses)
    assert hashes == []
