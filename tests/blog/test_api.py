"""The posts API: anyone reads, logged-in users write, only the author or staff change a post or comment."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from blog import services
from blog.markdown import MAX_BODY_CHARS, MAX_HTML_BYTES, MAX_TABLE_CELLS, render_stored
from blog.models import Comment, Post
from tests.blog.bodies import ONE_LINK_USED_THOUSANDS_OF_TIMES, TWENTY_WIDE_TABLES
from tests.tokens.jwt_support import access_claims, bearer, forge
from tokens import families


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_author(author):
    return bearer(families.issue_tokens(author).access)


@pytest.fixture
def as_stranger(make_user):
    return bearer(families.issue_tokens(make_user("stranger")).access)


@pytest.fixture
def as_staff(make_user):
    return bearer(families.issue_tokens(make_user("editor", is_staff=True)).access)


@pytest.fixture
def comment(post, make_user):
    return Comment.objects.create(post=post, author=post.author, body="첫 댓글")


def post_url(post) -> str:
    return f"/api/posts/{post.pk}/"


def comments_url(post) -> str:
    return f"/api/posts/{post.pk}/comments/"


def comment_url(comment) -> str:
    return f"/api/posts/{comment.post_id}/comments/{comment.pk}/"


# Reading


def test_anyone_lists_posts_newest_first_ten_per_page(api, author):
    for number in range(12):
        Post.objects.create(author=author, title=f"글 {number}", body="본문")

    response = api.get("/api/posts/")

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 12
    assert len(body["results"]) == 10
    assert body["results"][0]["title"] == "글 11"
    assert body["next"].endswith("/api/posts/?page=2")
    assert len(api.get("/api/posts/?page=2").json()["results"]) == 2


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("query", ["page=1&page=2", "page=1&page=1", "page=&page=1"])
def test_a_page_given_twice_gets_400_naming_the_parameter_on_every_list(api, post, comment, settings, debug, query):
    settings.DEBUG = debug
    for url in ("/api/posts/", comments_url(post)):
        response = api.get(f"{url}?{query}")

        body = response.json()
        assert (response.status_code, body["code"]) == (400, "invalid"), body
        assert "page" in body["detail"] and list(body["errors"]) == ["page"]


@hypothesis_settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pages=st.lists(st.text(max_size=4), min_size=1, max_size=3))
def test_any_page_values_get_a_page_or_a_json_404_and_a_400_when_given_more_than_once(api, post, pages):
    response = api.get("/api/posts/", {"page": pages})

    if len(pages) > 1:
        assert (response.status_code, list(response.json()["errors"])) == (400, ["page"])
    else:
        assert response.status_code in (200, 404), response.json()


SUMMARY_FIELDS = {"id", "title", "excerpt", "author", "comment_count", "created_at", "updated_at"}


def test_the_list_carries_each_posts_excerpt_and_the_posts_own_address_the_whole_post(api, author):
    post = services.post_create(author=author, title="긴 글", body="**굵게** 본문 " * 2_500)

    with CaptureQueriesContext(connection) as queries:
        listed = api.get("/api/posts/").json()["results"][0]
    whole = api.get(post_url(post)).json()

    assert set(listed) == SUMMARY_FIELDS
    assert listed["excerpt"] == whole["excerpt"] and listed["excerpt"].startswith("굵게 본문 굵게 본문")
    assert (whole["body"], whole["body_html"]) == (post.body, post.body_html)
    # Nor does the database send the list the body or its HTML.
    assert not any('"body"' in query["sql"] or '"body_html"' in query["sql"] for query in queries)


def test_the_schema_describes_the_list_with_excerpts_and_a_post_whole():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components, operations = schema["components"]["schemas"], schema["paths"]["/api/posts/"]

    page = operations["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    listed = components[page]["properties"]["results"]["items"]["$ref"].split("/")[-1]
    created = operations["post"]["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert set(components[listed]["properties"]) == SUMMARY_FIELDS
    assert set(components[created]["properties"]) == SUMMARY_FIELDS | {"body", "body_html"}


def test_anyone_reads_a_post_with_author_comment_count_and_safe_html(api, post, comment):
    services.post_update(post=post, title=post.title, body="**굵게** <script>alert(1)</script>")

    body = api.get(post_url(post)).json()

    assert body["author"] == {"id": post.author.pk, "nickname": "작성자", "profile_image_url": ""}
    assert body["comment_count"] == 1
    assert "<strong>굵게</strong>" in body["body_html"]
    assert "<script>" not in body["body_html"]


@pytest.mark.django_db
def test_missing_post_gets_404(api):
    assert api.get("/api/posts/999/").status_code == 404


def test_anyone_lists_a_posts_comments(api, post, comment):
    body = api.get(comments_url(post)).json()

    assert body["count"] == 1
    assert body["results"][0]["body"] == "첫 댓글"
    assert body["results"][0]["post"] == post.pk


@pytest.mark.django_db
def test_comments_of_a_missing_post_get_404(api):
    assert api.get("/api/posts/999/comments/").status_code == 404


# Writing


@pytest.mark.django_db
def test_creating_a_post_without_a_token_gets_401(api):
    response = api.post("/api/posts/", {"title": "익명", "body": "본문"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert not Post.objects.exists()


def test_creating_a_post_with_a_token_makes_the_token_user_its_author(api, author, as_author):
    response = api.post("/api/posts/", {"title": "새 글", "body": "*기울임*"}, **as_author)

    assert response.status_code == 201
    assert response.json()["author"]["id"] == author.pk
    assert response.json()["comment_count"] == 0
    assert Post.objects.get().author == author


def test_creating_a_post_without_a_title_gets_400(api, as_author):
    response = api.post("/api/posts/", {"body": "본문"}, **as_author)

    assert response.status_code == 400
    assert "title" in response.json()


def test_creating_a_post_with_the_token_of_a_deleted_user_gets_401(api, make_user):
    gone = make_user("gone")
    headers = bearer(families.issue_tokens(gone).access)
    gone.delete()

    response = api.post("/api/posts/", {"title": "유령", "body": "본문"}, **headers)

    assert response.status_code == 401
    assert not Post.objects.exists()


def test_author_updates_their_post_with_put_and_patch(api, post, as_author):
    put = api.put(post_url(post), {"title": "고친 제목", "body": "고친 본문"}, **as_author)
    patch = api.patch(post_url(post), {"title": "다시 고친 제목"}, **as_author)

    assert put.status_code == 200
    assert patch.status_code == 200
    post.refresh_from_db()
    assert (post.title, post.body) == ("다시 고친 제목", "고친 본문")


def test_put_without_every_field_gets_400(api, post, as_author):
    assert api.put(post_url(post), {"title": "제목만"}, **as_author).status_code == 400


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_someone_else_changing_a_post_gets_403(api, post, as_stranger, method):
    response = getattr(api, method)(post_url(post), {"title": "가로채기", "body": "본문"}, **as_stranger)

    assert response.status_code == 403
    post.refresh_from_db()
    assert post.title == "첫 글"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_changing_a_post_without_a_token_gets_401(api, post, method):
    assert getattr(api, method)(post_url(post), {"title": "익명", "body": "본문"}).status_code == 401


def test_author_deletes_their_post(api, post, as_author):
    assert api.delete(post_url(post), **as_author).status_code == 204
    assert not Post.objects.exists()


def test_staff_deletes_anyones_post(api, post, as_staff):
    assert api.delete(post_url(post), **as_staff).status_code == 204
    assert not Post.objects.exists()


@pytest.mark.parametrize("url", ["/api/posts/", "/api/posts/{post}/", "/api/posts/{post}/comments/"])
def test_reading_with_a_token_costs_no_query_for_the_account(api, post, url):
    reader_token = forge(access_claims(user_id=424242))  # no such user row: reads trust the token alone
    url = url.format(post=post.pk)
    with CaptureQueriesContext(connection) as anonymous:
        assert api.get(url).status_code == 200

    with CaptureQueriesContext(connection) as with_token:
        assert api.get(url, **bearer(reader_token)).status_code == 200

    assert len(with_token) == len(anonymous)
    assert not [query for query in with_token if 'FROM "accounts_user"' in query["sql"]]


def test_staff_role_in_a_token_counts_only_while_the_account_is_still_staff(api, post, make_user):
    demoted = make_user("demoted")
    staff_token = forge(access_claims(user_id=demoted.pk, roles=["staff"]))

    assert api.delete(post_url(post), **bearer(staff_token)).status_code == 403
    assert Post.objects.filter(pk=post.pk).exists()


# Writes by an account that is gone: its access token is still valid for minutes.

WRITES = [
    ("post", "/api/posts/", {"title": "유령", "body": "본문"}),
    ("put", "/api/posts/{post}/", {"title": "유령", "body": "본문"}),
    ("patch", "/api/posts/{post}/", {"title": "유령"}),
    ("delete", "/api/posts/{post}/", None),
    ("post", "/api/posts/{post}/comments/", {"body": "유령"}),
    ("put", "/api/posts/{post}/comments/{comment}/", {"body": "유령"}),
    ("patch", "/api/posts/{post}/comments/{comment}/", {"body": "유령"}),
    ("delete", "/api/posts/{post}/comments/{comment}/", None),
]


def deactivate(user) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def delete(user) -> None:
    user.delete()


@pytest.mark.parametrize(("method", "url", "data"), WRITES)
@pytest.mark.parametrize(
    ("writer", "leave"),
    [("author", deactivate), ("staff", deactivate), ("staff", delete)],
    ids=["author-deactivated", "staff-deactivated", "staff-deleted"],
)
def test_write_with_the_token_of_an_account_gone_since_gets_401_and_changes_nothing(
    api, post, comment, make_user, writer, leave, method, url, data
):
    user = post.author if writer == "author" else make_user("editor", is_staff=True)
    headers = {**bearer(families.issue_tokens(user).access), "HTTP_ACCEPT_LANGUAGE": "en"}
    leave(user)
    before = (list(Post.objects.values()), list(Comment.objects.values()))

    response = getattr(api, method)(url.format(post=post.pk, comment=comment.pk), data, **headers)

    assert response.status_code == 401
    assert response.json()["detail"] == "This account no longer exists or is deactivated."
    assert (list(Post.objects.values()), list(Comment.objects.values())) == before


# Comments


def test_logged_in_user_comments_on_a_post(api, post, make_user):
    reader = make_user("reader")

    response = api.post(comments_url(post), {"body": "좋은 글이네요"}, **bearer(families.issue_tokens(reader).access))

    assert response.status_code == 201
    assert response.json()["author"]["id"] == reader.pk
    assert Comment.objects.get().post == post


def test_commenting_without_a_token_gets_401(api, post):
    assert api.post(comments_url(post), {"body": "익명"}).status_code == 401


def test_commenting_on_a_missing_post_gets_404(api, as_author):
    assert api.post("/api/posts/999/comments/", {"body": "어디?"}, **as_author).status_code == 404


def test_comment_author_edits_their_comment(api, comment, as_author):
    response = api.patch(comment_url(comment), {"body": "고친 댓글"}, **as_author)

    assert response.status_code == 200
    comment.refresh_from_db()
    assert comment.body == "고친 댓글"


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_someone_else_changing_a_comment_gets_403(api, comment, as_stranger, method):
    assert getattr(api, method)(comment_url(comment), {"body": "가로채기"}, **as_stranger).status_code == 403
    assert Comment.objects.get().body == "첫 댓글"


def test_staff_deletes_anyones_comment(api, comment, as_staff):
    assert api.delete(comment_url(comment), **as_staff).status_code == 204
    assert not Comment.objects.exists()


def test_comment_is_only_found_under_its_own_post(api, comment, author):
    other_post = Post.objects.create(author=author, title="다른 글", body="본문")

    assert api.get(f"/api/posts/{other_post.pk}/comments/{comment.pk}/").status_code == 404


# What a text field accepts: JSON strings only, without control characters.

NOT_TEXT = ["123", "1.5", "1e400", "true", "false", "null", "[]", '["a"]', "{}", '{"a": "b"}']
CONTROL_CHARACTERS = [r'"a\u0000b"', r'"\u0001"', r'"a\u001fb"', r'"a\u000bb"', r'"a\u000cb"', r'"\u001b[31m"']
TEXT_WRITES = [
    ("post", "/api/posts/", {"title": "t", "body": "b"}, "title"),
    ("post", "/api/posts/", {"title": "t", "body": "b"}, "body"),
    ("put", "/api/posts/{post}/", {"title": "t", "body": "b"}, "title"),
    ("put", "/api/posts/{post}/", {"title": "t", "body": "b"}, "body"),
    ("patch", "/api/posts/{post}/", {}, "title"),
    ("patch", "/api/posts/{post}/", {}, "body"),
    ("post", "/api/posts/{post}/comments/", {}, "body"),
    ("put", "/api/posts/{post}/comments/{comment}/", {}, "body"),
    ("patch", "/api/posts/{post}/comments/{comment}/", {}, "body"),
]


@pytest.mark.parametrize("value", NOT_TEXT + CONTROL_CHARACTERS)
@pytest.mark.parametrize(("method", "url", "others", "field"), TEXT_WRITES)
def test_text_field_sent_as_another_json_type_or_with_a_control_character_gets_400_and_writes_nothing(
    api, post, comment, as_author, method, url, others, field, value
):
    # Raw JSON: 1e400 has no Python spelling that json.dumps would write back.
    members = [f"{json.dumps(name)}: {json.dumps(text)}" for name, text in others.items() if name != field]
    document = "{" + ", ".join([*members, f'"{field}": {value}']) + "}"
    before = (list(Post.objects.values()), list(Comment.objects.values()))

    response = getattr(api, method)(
        url.format(post=post.pk, comment=comment.pk), document, content_type="application/json", **as_author
    )

    assert response.status_code == 400
    assert field in response.json()
    assert (list(Post.objects.values()), list(Comment.objects.values())) == before


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Remove the control character U+0007: only tabs and line breaks are allowed."),
        ("ko", "제어 문자 U+0007를 지워 주세요. 탭과 줄바꿈만 쓸 수 있습니다."),
    ],
)
def test_control_character_error_names_the_character(api, as_author, language, message):
    response = api.post("/api/posts/", {"title": "a\x07b", "body": "b"}, HTTP_ACCEPT_LANGUAGE=language, **as_author)

    assert response.status_code == 400
    assert response.json()["title"] == [message]


def test_tabs_and_line_breaks_are_kept_in_a_post(api, as_author):
    response = api.post("/api/posts/", {"title": "t", "body": "a\tb\r\nc\nd"}, **as_author)

    assert response.status_code == 201
    assert Post.objects.get().body == "a\tb\r\nc\nd"


# The body's length cap: Markdown takes time in proportion to its length, even for text made to be slow.


@pytest.mark.parametrize("unit", ["[", "![", "[a](", "**a**", ">", "<a"])
def test_pathological_body_at_the_cap_is_accepted_and_one_character_more_refused(api, as_author, unit):
    at_cap = (unit * MAX_BODY_CHARS)[:MAX_BODY_CHARS]

    accepted = api.post("/api/posts/", {"title": "t", "body": at_cap}, **as_author)
    refused = api.post("/api/posts/", {"title": "t", "body": at_cap + "["}, HTTP_ACCEPT_LANGUAGE="en", **as_author)

    assert accepted.status_code == 201
    assert Post.objects.get().body == at_cap
    assert refused.status_code == 400
    assert str(MAX_BODY_CHARS) in refused.json()["body"][0]
    assert Post.objects.count() == 1


@pytest.mark.parametrize("language", ["ko", "en"])
def test_body_over_the_cap_names_the_limit_in_korean_and_english(api, post, as_author, language):
    response = api.patch(
        post_url(post), {"body": "x" * (MAX_BODY_CHARS + 1)}, HTTP_ACCEPT_LANGUAGE=language, **as_author
    )

    assert response.status_code == 400
    assert str(MAX_BODY_CHARS) in response.json()["body"][0]
    post.refresh_from_db()
    assert post.body == "**안녕하세요**"


# What a body within the cap may grow into: table cells and HTML have budgets (blog/markdown.py).

REFUSED_BODIES = [
    (TWENTY_WIDE_TABLES, "too_many_table_cells", f"at most {MAX_TABLE_CELLS:,} cells"),
    (ONE_LINK_USED_THOUSANDS_OF_TIMES, "html_too_large", f"at most {MAX_HTML_BYTES:,} bytes"),
]


def assert_refused(response, code: str, named: str) -> None:
    """Assert the API's error shape: detail and code, and the message under the body field too."""
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == code
    assert named in error["detail"]
    assert error["body"] == error["errors"]["body"] == [error["detail"]]


@pytest.mark.parametrize(("body", "code", "named"), REFUSED_BODIES)
def test_creating_a_post_whose_body_grows_past_a_budget_gets_400_naming_it(api, as_author, body, code, named):
    response = api.post("/api/posts/", {"title": "t", "body": body}, HTTP_ACCEPT_LANGUAGE="en", **as_author)

    assert_refused(response, code, named)
    assert not Post.objects.exists()


@pytest.mark.parametrize(("body", "code", "named"), REFUSED_BODIES)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_changing_a_body_into_one_past_a_budget_gets_400_naming_it_and_keeps_the_post(
    api, post, as_author, method, body, code, named
):
    response = getattr(api, method)(
        post_url(post), {"title": "t", "body": body}, HTTP_ACCEPT_LANGUAGE="en", **as_author
    )

    assert_refused(response, code, named)
    post.refresh_from_db()
    assert (post.title, post.body) == ("첫 글", "**안녕하세요**")


def test_a_new_title_alone_for_a_post_stored_over_a_budget_gets_400_until_its_body_fits(api, author, as_author):
    # As migration 0006 leaves a post written before the budgets: a notice and the start of its body.
    stored = render_stored(TWENTY_WIDE_TABLES)
    post = Post.objects.create(author=author, title="예전 글", body=TWENTY_WIDE_TABLES, body_html=stored.html)

    response = api.patch(post_url(post), {"title": "새 제목"}, HTTP_ACCEPT_LANGUAGE="en", **as_author)

    # Every write renders the body again: the author is told which bound it passes.
    assert_refused(response, "too_many_table_cells", f"at most {MAX_TABLE_CELLS:,} cells")
    post.refresh_from_db()
    assert (post.title, post.body_html) == ("예전 글", stored.html)


def test_the_cell_budget_error_is_korean_by_default(api, as_author):
    response = api.post("/api/posts/", {"title": "t", "body": TWENTY_WIDE_TABLES}, **as_author)

    assert_refused(response, "too_many_table_cells", f"표에는 칸을 모두 합쳐 {MAX_TABLE_CELLS:,}개까지")


def test_body_of_non_bmp_characters_counts_characters_not_bytes(api, as_author):
    emoji = "😀" * MAX_BODY_CHARS  # four bytes each in UTF-8

    assert api.post("/api/posts/", {"title": "t", "body": emoji}, **as_author).status_code == 201


def test_api_answers_the_stored_html_and_excerpt(api, as_author):
    response = api.post("/api/posts/", {"title": "t", "body": "# 제목\n\n**굵게**"}, **as_author)

    assert response.json()["body_html"] == "<h1>제목</h1>\n<p><strong>굵게</strong></p>\n"
    assert response.json()["excerpt"] == "제목 굵게"


def test_html_and_excerpt_sent_by_a_client_are_ignored(api, as_author):
    document = {"title": "t", "body": "b", "body_html": "<script>alert(1)</script>", "excerpt": "forged"}

    response = api.post("/api/posts/", document, **as_author)

    assert response.status_code == 201
    assert (Post.objects.get().body_html, Post.objects.get().excerpt) == ("<p>b</p>\n", "b")
