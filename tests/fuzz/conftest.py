"""The fuzz tests' shared parts: the published schema, an author who owns posts, server exceptions, the summary."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.signals import got_request_exception
from django.test import Client

from accounts.models import User
from blog.models import Comment, Post
from tests.fuzz import summary
from tests.fuzz.findings import Findings, summarize_exception
from tokens import families

FINDINGS = pytest.StashKey[Findings]()


@dataclass(frozen=True)
class Author:
    """A real account with posts and comments, and a fresh access token of ours."""

    user: User
    posts: list[Post]
    comments: list[Comment]
    access_token: str


def published_schema() -> dict:
    """Return the OpenAPI document the site serves at /api/schema/, as JSON."""
    response = Client(HTTP_HOST="localhost").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content[:500]
    return response.json()


@pytest.fixture
def fuzz_settings(settings):
    """No rate limits (fuzzing would only see 429s), and access tokens that outlive a long run."""
    settings.RATE_LIMITS = {}
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ACCESS_TOKEN_LIFETIME": timedelta(hours=2)}
    return settings


def make_author() -> Author:
    """Create an author who wrote three posts, each with a comment, beside a stranger's post."""
    user = User.objects.create_user(username="fuzz-author", nickname="퍼즈 작성자")
    stranger = User.objects.create_user(username="fuzz-stranger", nickname="남의 글쓴이")
    posts = [Post.objects.create(author=user, title=f"글 {n}", body=f"**본문** {n}") for n in range(3)]
    Post.objects.create(author=stranger, title="남의 글", body="남의 본문")
    comments = [Comment.objects.create(post=post, author=user, body="댓글") for post in posts]
    access_token = families.issue_tokens(user).access
    return Author(user=user, posts=posts, comments=comments, access_token=access_token)


@pytest.fixture
def author(fuzz_settings, db) -> Author:
    return make_author()


@pytest.fixture
def server_exceptions() -> Iterator[list[str]]:
    """Collect a one-line summary of every exception a view raised, from the test client or the live server."""
    caught: list[str] = []

    def remember(sender, **kwargs) -> None:
        caught.append(summarize_exception())

    got_request_exception.connect(remember, dispatch_uid="fuzz-server-exceptions")
    yield caught
    got_request_exception.disconnect(dispatch_uid="fuzz-server-exceptions")


@pytest.fixture
def findings(request) -> Findings:
    """Return where a test records its failures; the test fails with all of them once it has run."""
    found = request.node.stash[FINDINGS] = Findings()
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Fail a test that recorded findings, after it ran to its end."""
    result = yield
    found = item.stash.get(FINDINGS, None)
    if found:
        pytest.fail(found.report(), pytrace=False)
    return result


def pytest_terminal_summary(terminalreporter) -> None:
    """Print what the fuzz tests sent and found, ready to paste into a closing note."""
    text = summary.render()
    if text:
        terminalreporter.write_sep("=", "fuzz summary")
        terminalreporter.write_line(text)
        terminalreporter.write_line(f"(also written to {summary.write()})")
