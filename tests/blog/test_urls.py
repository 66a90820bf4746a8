"""Every post and comment URL answers 404 for an id no database can hold, never 500."""

import pytest
from rest_framework.test import APIClient

from blog.models import Comment
from tests.tokens.jwt_support import bearer
from tokens import families

pytestmark = pytest.mark.django_db

# 0 and -1 are no row's id; 2**63 and 10**30 overflow a 64-bit signed column (OverflowError on SQLite).
OUT_OF_RANGE = ["0", "-1", str(2**63), str(10**30)]
# The largest id a database can store: a lookup that finds nothing, answered 404 as well.
LARGEST = str(2**63 - 1)

PAGES = [
    ("get", "/posts/{id}/"),
    ("get", "/posts/{id}/edit/"),
    ("post", "/posts/{id}/edit/"),
    ("get", "/posts/{id}/delete/"),
    ("post", "/posts/{id}/delete/"),
    ("post", "/posts/{id}/comments/"),
    ("get", "/comments/{id}/delete/"),
    ("post", "/comments/{id}/delete/"),
]
API = [
    ("get", "/api/posts/{id}/"),
    ("patch", "/api/posts/{id}/"),
    ("delete", "/api/posts/{id}/"),
    ("get", "/api/posts/{id}/comments/"),
    ("post", "/api/posts/{id}/comments/"),
    ("get", "/api/posts/{id}/comments/{comment}/"),
    ("delete", "/api/posts/{id}/comments/{comment}/"),
    ("get", "/api/posts/{post}/comments/{id}/"),
    ("patch", "/api/posts/{post}/comments/{id}/"),
]


@pytest.fixture
def comment(post):
    return Comment.objects.create(post=post, author=post.author, body="댓글")


@pytest.mark.parametrize("row_id", [*OUT_OF_RANGE, LARGEST])
@pytest.mark.parametrize(("method", "pattern"), PAGES)
def test_page_with_an_id_out_of_range_gets_404(client, comment, method, pattern, row_id):
    client.force_login(comment.author)
    client.raise_request_exception = False

    response = getattr(client, method)(pattern.format(id=row_id), {"title": "t", "body": "b"})

    assert response.status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()


@pytest.mark.parametrize("row_id", [*OUT_OF_RANGE, LARGEST])
@pytest.mark.parametrize(("method", "pattern"), API)
def test_api_with_an_id_out_of_range_gets_404(comment, method, pattern, row_id):
    api = APIClient(raise_request_exception=False)
    url = pattern.format(id=row_id, post=comment.post_id, comment=comment.pk)

    response = getattr(api, method)(url, {"body": "b"}, **bearer(families.issue_tokens(comment.author).access))

    assert response.status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()


@pytest.mark.parametrize("spelling", ["0{pk}", "00{pk}", "+{pk}", "{pk}.0"])
def test_post_id_spelled_other_than_its_plain_digits_gets_404(client, post, spelling):
    # One URL per post: a leading zero is not another address of the same page.
    assert client.get(f"/posts/{spelling.format(pk=post.pk)}/").status_code == 404
