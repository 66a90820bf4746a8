import datetime

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse

from blog import services
from blog.markdown import MAX_BODY_CHARS, MAX_HTML_BYTES, MAX_TABLE_CELLS
from blog.models import Comment, Post
from config.urls import handler500  # noqa: F401 - the error handler for this test URLconf
from tests.blog.bodies import ONE_LINK_USED_THOUSANDS_OF_TIMES, TWENTY_WIDE_TABLES

pytestmark = pytest.mark.django_db


def broken_view(request):
    raise RuntimeError("a bug in a view")


# The site's URLs plus a page that fails, for the tests marked @pytest.mark.urls(__name__).
urlpatterns = [path("broken/", broken_view), path("", include("config.urls"))]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Home page


def test_home_without_posts_shows_empty_state_in_english(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "No posts yet." in response.content.decode()


def test_home_without_posts_shows_empty_state_in_korean_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "아직 글이 없습니다" in response.content.decode()


def test_home_lists_newest_first_ten_per_page(client, author):
    for number in range(12):
        services.post_create(author=author, title=f"post {number:02d}", body="body")
    first = client.get("/").content.decode()
    assert "post 11" in first and "post 02" in first and "post 01" not in first
    assert first.index("post 11") < first.index("post 10") < first.index("post 02")
    second = client.get("/?page=2").content.decode()
    assert "post 01" in second and "post 00" in second and "post 11" not in second
    assert second.index("post 01") < second.index("post 00")


def test_home_first_page_links_to_the_second(client, author):
    for number in range(11):
        services.post_create(author=author, title=f"post {number:02d}", body="body")
    page = client.get("/").content.decode()
    assert 'href="?page=2"' in page
    assert 'href="?page=2"' not in client.get("/?page=2").content.decode()


def test_home_page_past_the_end_is_styled_404(client, post):
    response = client.get("/?page=5")
    assert response.status_code == 404
    assert 'class="error-page"' in response.content.decode()


def test_home_shows_author_nickname_and_initial_avatar_without_image(client, make_user):
    minji = make_user("minji", nickname="민지")
    services.post_create(author=minji, title="hello", body="body")
    page = client.get("/").content.decode()
    assert '<span class="post-author">민지</span>' in page
    assert 'avatar-initial" aria-hidden="true">민</span>' in page


def test_home_shows_author_profile_image_when_set(client, make_user):
    alex = make_user("alex", nickname="Alex", profile_image_url="https://k.kakaocdn.net/img/alex.jpg")
    services.post_create(author=alex, title="hello", body="body")
    page = client.get("/").content.decode()
    assert 'src="https://k.kakaocdn.net/img/alex.jpg"' in page
    assert "avatar-initial" not in page


def test_home_excerpt_shows_words_without_markdown_markup(client, author):
    services.post_create(
        author=author, title="t", body="# Heading\n\n**bold** and `code` and [a link](https://example.com)"
    )
    page = client.get("/").content.decode()
    excerpt = page.split('<p class="post-excerpt">', 1)[1].split("</p>", 1)[0]
    assert "Heading" in excerpt and "bold and code and a link" in excerpt
    for markup in ("**", "`", "#", "](", "<strong>", "<code>", "href"):
        assert markup not in excerpt


def test_home_excerpt_is_shortened_for_long_posts(client, author):
    services.post_create(author=author, title="t", body="word " * 200)
    page = client.get("/").content.decode()
    excerpt = page.split('<p class="post-excerpt">', 1)[1].split("</p>", 1)[0]
    assert len(excerpt) <= 160
    assert excerpt.endswith("…")


def test_home_excerpt_escapes_html_in_code(client, author):
    services.post_create(author=author, title="t", body="`<script>alert(1)</script>` in a sentence")
    page = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; in a sentence" in page


def test_home_shows_post_date_in_site_time_zone(client, author, post):
    # 2024-03-05 20:00 UTC is already 2024-03-06 in Seoul.
    Post.objects.filter(pk=post.pk).update(created_at=datetime.datetime(2024, 3, 5, 20, 0, tzinfo=datetime.UTC))
    page = client.get("/").content.decode()
    assert ">2024-03-06</time>" in page


def test_home_shows_comment_count_per_post(client, author, make_user):
    reader = make_user("reader")
    busy = services.post_create(author=author, title="busy", body="b")
    services.post_create(author=author, title="quiet", body="q")
    for number in range(3):
        Comment.objects.create(post=busy, author=reader, body=f"c{number}")
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    quiet_card, busy_card = page.split('class="post-card"')[1:3]
    assert "0 comments" in " ".join(quiet_card.split())
    assert "3 comments" in " ".join(busy_card.split())


def test_home_runs_same_number_of_queries_for_1_and_25_posts(client, make_user):
    def add_posts(count: int, start: int) -> None:
        for number in range(start, start + count):
            writer = make_user(f"writer{number}")
            created = services.post_create(author=writer, title=f"p{number}", body="b")
            Comment.objects.create(post=created, author=writer, body="c")

    add_posts(1, start=0)
    one = count_queries(client, "/")
    add_posts(24, start=1)
    many = count_queries(client, "/")
    assert many == one
    assert count_queries(client, "/?page=3") == one


def test_home_for_logged_in_reader_runs_same_number_of_queries_for_1_and_25_posts(client, make_user):
    client.force_login(make_user("reader"))
    first = make_user("writer0")
    services.post_create(author=first, title="p0", body="b")
    one = count_queries(client, "/")
    for number in range(1, 25):
        services.post_create(author=make_user(f"writer{number}"), title=f"p{number}", body="b")
    assert count_queries(client, "/") == one


# Post detail


def test_post_detail_shows_title_author_and_rendered_body(client, author):
    post = services.post_create(author=author, title="첫 글", body="**안녕하세요**")
    page = client.get(post.get_absolute_url()).content.decode()
    assert "<h1>첫 글</h1>" in page
    assert '<span class="post-author">작성자</span>' in page
    assert "<strong>안녕하세요</strong>" in page


def test_post_detail_shows_comments_oldest_first(client, post, make_user):
    reader = make_user("reader", nickname="독자")
    Comment.objects.create(post=post, author=reader, body="first comment")
    Comment.objects.create(post=post, author=post.author, body="second comment")
    page = client.get(post.get_absolute_url()).content.decode()
    assert page.index("first comment") < page.index("second comment")
    assert "독자" in page


def test_post_detail_runs_same_number_of_queries_for_1_and_30_comments(client, post, make_user):
    Comment.objects.create(post=post, author=make_user("c0"), body="c")
    one = count_queries(client, post.get_absolute_url())
    for number in range(1, 30):
        Comment.objects.create(post=post, author=make_user(f"c{number}"), body="c")
    assert count_queries(client, post.get_absolute_url()) == one


def test_unknown_post_shows_styled_404(client):
    response = client.get(reverse("blog:post_detail", args=[999]))
    assert response.status_code == 404
    assert 'class="error-page"' in response.content.decode()


def test_anonymous_reader_sees_login_prompt_instead_of_comment_form(client, post):
    page = client.get(post.get_absolute_url()).content.decode()
    assert 'class="comment-form"' not in page
    assert f'href="/accounts/login/?next={post.get_absolute_url()}"' in page


# Writing posts


def test_author_creates_post_and_is_redirected_to_it(client, author):
    client.force_login(author)
    response = client.post(reverse("blog:post_create"), {"title": "New one", "body": "Some *words*"})
    created = Post.objects.get(title="New one")
    assert response.status_code == 302
    assert response.url == created.get_absolute_url()
    assert created.author == author
    page = client.get(response.url).content.decode()
    assert "<em>words</em>" in page


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_post_with_empty_or_too_long_title_shows_error_and_saves_nothing(client, author, title):
    client.force_login(author)
    response = client.post(reverse("blog:post_create"), {"title": title, "body": "body"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert Post.objects.count() == 0


def test_post_with_200_character_title_is_saved(client, author):
    client.force_login(author)
    response = client.post(reverse("blog:post_create"), {"title": "x" * 200, "body": "body"})
    assert response.status_code == 302
    assert Post.objects.get().title == "x" * 200


@pytest.mark.parametrize("unit", ["[", "![", "[a]("])
def test_pathological_body_at_the_cap_is_published(client, author, unit):
    client.force_login(author)
    body = (unit * MAX_BODY_CHARS)[:MAX_BODY_CHARS]
    response = client.post(reverse("blog:post_create"), {"title": "t", "body": body})
    assert response.status_code == 302
    assert Post.objects.get().body == body


@pytest.mark.parametrize("language", ["ko", "en"])
def test_body_one_character_over_the_cap_shows_error_naming_the_limit_and_saves_nothing(client, author, language):
    client.force_login(author)
    body = "[" * (MAX_BODY_CHARS + 1)
    response = client.post(reverse("blog:post_create"), {"title": "t", "body": body}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    error = response.content.decode().split('class="field-error"', 1)[1].split("</", 1)[0]
    assert str(MAX_BODY_CHARS) in error
    assert not Post.objects.exists()


def body_error(response) -> str:
    return response.content.decode().split('class="field-error" role="alert">', 1)[1].split("</", 1)[0]


@pytest.mark.parametrize(
    ("language", "named"),
    [("ko", f"표에는 칸을 모두 합쳐 {MAX_TABLE_CELLS:,}개까지"), ("en", f"at most {MAX_TABLE_CELLS:,} cells")],
)
@pytest.mark.parametrize("pressed", [{}, {"preview": "1"}], ids=["publish", "preview"])
def test_the_reported_twenty_wide_tables_show_an_error_naming_the_cell_budget_and_save_nothing(
    client, author, language, named, pressed
):
    client.force_login(author)
    response = client.post(
        reverse("blog:post_create"),
        {"title": "t", "body": TWENTY_WIDE_TABLES, **pressed},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    assert named in body_error(response)
    assert '<section class="preview"' not in response.content.decode()
    assert not Post.objects.exists()


@pytest.mark.parametrize("pressed", [{}, {"preview": "1"}], ids=["save", "preview"])
def test_editing_a_body_into_html_over_the_budget_shows_an_error_naming_it_and_keeps_the_post(client, post, pressed):
    client.force_login(post.author)
    response = client.post(
        reverse("blog:post_update", args=[post.pk]),
        {"title": "t", "body": ONE_LINK_USED_THOUSANDS_OF_TIMES, **pressed},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert f"at most {MAX_HTML_BYTES:,} bytes" in body_error(response)
    post.refresh_from_db()
    assert (post.title, post.body) == ("첫 글", "**안녕하세요**")


def test_edit_page_body_field_tells_the_browser_the_cap(client, post):
    client.force_login(post.author)
    page = client.get(reverse("blog:post_update", args=[post.pk])).content.decode()
    assert f'maxlength="{MAX_BODY_CHARS}"' in page


def test_author_edits_post(client, post):
    client.force_login(post.author)
    url = reverse("blog:post_update", args=[post.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "Edited", "body": "new body"})
    assert response.status_code == 302
    assert response.url == post.get_absolute_url()
    post.refresh_from_db()
    assert (post.title, post.body) == ("Edited", "new body")


def test_edit_with_too_long_title_shows_error_and_keeps_post(client, post):
    client.force_login(post.author)
    response = client.post(reverse("blog:post_update", args=[post.pk]), {"title": "x" * 201, "body": "b"})
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    post.refresh_from_db()
    assert post.title == "첫 글"


def test_author_deletes_post_and_its_comments(client, post, make_user):
    Comment.objects.create(post=post, author=make_user("reader"), body="c")
    client.force_login(post.author)
    url = reverse("blog:post_delete", args=[post.pk])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("blog:post_list")
    assert not Post.objects.exists() and not Comment.objects.exists()


# Comments


def test_logged_in_reader_comments_and_returns_to_comments(client, post, make_user):
    reader = make_user("reader", nickname="독자")
    client.force_login(reader)
    response = client.post(reverse("blog:comment_create", args=[post.pk]), {"body": "Nice post"})
    assert response.status_code == 302
    assert response.url == f"{post.get_absolute_url()}#comments"
    comment = Comment.objects.get()
    assert (comment.author, comment.post, comment.body) == (reader, post, "Nice post")
    assert "Nice post" in client.get(post.get_absolute_url()).content.decode()


def test_empty_comment_shows_error_and_saves_nothing(client, post, make_user):
    client.force_login(make_user("reader"))
    response = client.post(reverse("blog:comment_create", args=[post.pk]), {"body": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="field-error"' in page
    assert "<h1>첫 글</h1>" in page
    assert not Comment.objects.exists()


def test_anonymous_comment_redirects_to_login_and_saves_nothing(client, post):
    response = client.post(reverse("blog:comment_create", args=[post.pk]), {"body": "Hi"})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert post.get_absolute_url() in response.url
    assert not Comment.objects.exists()


def test_comment_on_unknown_post_is_styled_404(client, make_user):
    client.force_login(make_user("reader"))
    response = client.post(reverse("blog:comment_create", args=[999]), {"body": "Hi"})
    assert response.status_code == 404
    assert 'class="error-page"' in response.content.decode()
    assert not Comment.objects.exists()


def test_comment_author_deletes_own_comment(client, post, make_user):
    reader = make_user("reader")
    comment = Comment.objects.create(post=post, author=reader, body="mine")
    client.force_login(reader)
    response = client.post(reverse("blog:comment_delete", args=[comment.pk]))
    assert response.status_code == 302
    assert response.url == f"{post.get_absolute_url()}#comments"
    assert not Comment.objects.exists()


# CSRF


def test_post_without_csrf_token_shows_styled_403_and_saves_nothing(post, make_user):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_user("reader"))
    response = csrf_client.post(reverse("blog:comment_create", args=[post.pk]), {"body": "Hi"})
    assert response.status_code == 403
    assert 'class="error-page"' in response.content.decode()
    assert not Comment.objects.exists()


def test_new_post_without_csrf_token_shows_styled_403(author):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(author)
    response = csrf_client.post(reverse("blog:post_create"), {"title": "t", "body": "b"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    page = response.content.decode()
    assert 'class="error-page"' in page and "This form has expired" in page
    assert not Post.objects.exists()


# Error pages


def test_request_with_unknown_host_shows_styled_400(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert 'class="error-page"' in response.content.decode()


@pytest.mark.urls(__name__)
def test_failing_page_shows_styled_500_without_details(author):
    failing_client = Client(raise_request_exception=False)
    failing_client.force_login(author)
    response = failing_client.get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert 'class="error-page"' in page
    assert "a bug in a view" not in page and "RuntimeError" not in page


@pytest.mark.urls(__name__)
def test_database_outage_shows_styled_503_to_logged_in_reader(author):
    failing_client = Client(raise_request_exception=False)
    failing_client.force_login(author)

    def database_down(execute, sql, params, many, context):
        raise OperationalError("database is down")

    with connection.execute_wrapper(database_down):
        response = failing_client.get("/")
    assert response.status_code == 503
    assert 'class="error-page"' in response.content.decode()


# Control characters


@pytest.mark.parametrize("field", ["title", "body"])
@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x1f"])
def test_post_with_a_control_character_shows_error_and_saves_nothing(client, author, field, character):
    client.force_login(author)
    data = {"title": "t", "body": "b", field: f"a{character}b"}
    response = client.post(reverse("blog:post_create"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert not Post.objects.exists()


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x1f"])
def test_comment_with_a_control_character_shows_error_and_saves_nothing(client, post, make_user, character):
    client.force_login(make_user("reader"))
    response = client.post(reverse("blog:comment_create", args=[post.pk]), {"body": f"a{character}b"})
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert not Comment.objects.exists()


def test_preview_shows_the_rendered_post_and_saves_nothing(client, author):
    client.force_login(author)
    response = client.post(
        "/posts/new/", {"title": "미리 보기", "body": "**굵게**\n\n<script>x()</script>", "preview": "1"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert '<section class="preview"' in page and "<strong>굵게</strong>" in page
    assert "<script>x()</script>" not in page
    assert not Post.objects.filter(title="미리 보기").exists()


def test_publish_edit_and_delete_each_say_what_happened(client, author):
    client.force_login(author)
    page = client.post("/posts/new/", {"title": "새 글", "body": "본문"}, follow=True).content.decode()
    assert "글을 발행했습니다" in page
    post = Post.objects.get(title="새 글")
    page = client.post(f"/posts/{post.pk}/edit/", {"title": "새 글", "body": "고친 본문"}, follow=True).content.decode()
    assert "수정한 내용을 저장했습니다" in page
    page = client.post(f"/posts/{post.pk}/delete/", follow=True).content.decode()
    assert "“새 글” 글을 삭제했습니다" in page
    assert not Post.objects.filter(pk=post.pk).exists()


def test_swagger_ui_links_back_to_the_blog(client):
    page = client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert '<nav class="swagger-back"' in page and '<a href="/">← 블로그로 돌아가기</a>' in page
    assert "<style>" not in page  # the CSP allows no inline style
