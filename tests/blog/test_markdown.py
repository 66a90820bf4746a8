from html.parser import HTMLParser

import pytest
from django.urls import reverse

from blog import markdown as markdown_module
from blog.markdown import plain_text, render_markdown
from blog.models import Comment, Post

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    "<a href=' javascript:alert(1)'>click</a>",
    "[x](jav&#x09;ascript:alert(1))",
    "![x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<details open ontoggle=alert(1)>x</details>",
    "<p style=\"background:url('javascript:alert(1)')\">x</p>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


class PageScan(HTMLParser):
    """Collect what a browser would run: script elements, handler attributes, script URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict] = []
        self.handlers: list[tuple[str, str]] = []
        self.script_urls: list[tuple[str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "script":
            self.scripts.append(dict(attrs))
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            cleaned = "".join((value or "").split()).lower()
            if name in {"href", "src", "action", "formaction", "style", "srcdoc"} and "javascript:" in cleaned:
                self.script_urls.append((tag, name))


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser


def assert_nothing_runs(html: str) -> None:
    found = scan(html)
    # The layout may carry its own scripts, but only with the CSP nonce; none from user text.
    assert all("nonce" in attrs for attrs in found.scripts), found.scripts
    assert "alert(1)</script>" not in html
    assert found.handlers == []
    assert found.script_urls == []
    assert not found.tags & {"iframe", "svg", "math", "object", "embed", "style"}


# The renderer


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_render_markdown_neutralizes_script_payload(payload):
    assert_nothing_runs(render_markdown(payload))


def test_render_markdown_keeps_fenced_code_block_with_language():
    html = render_markdown('```python\nprint("<b>hi</b>")\n```')
    assert '<pre><code class="language-python">' in html
    assert "print(&quot;&lt;b&gt;hi&lt;/b&gt;&quot;)" in html or 'print("&lt;b&gt;hi&lt;/b&gt;")' in html


def test_render_markdown_keeps_prose_markup_tables_and_safe_links():
    html = render_markdown(
        "# Title\n\n**bold** *em* `code`\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "[site](https://example.com) ![pic](https://example.com/p.png)"
    )
    for fragment in ("<h1>Title</h1>", "<strong>bold</strong>", "<em>em</em>", "<code>code</code>", "<li>one</li>",
                     "<table>", "<td>1</td>"):
        assert fragment in html
    assert 'src="https://example.com/p.png"' in html and 'alt="pic"' in html
    assert 'href="https://example.com"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_plain_text_drops_markup_and_keeps_words():
    assert plain_text("# Head\n\n**bold** [link](https://x.example) `code`").split() == ["Head", "bold", "link", "code"]


def test_plain_text_drops_script_content():
    assert "alert" not in plain_text("hi <script>alert(1)</script>")


# The rendered pages


@pytest.mark.django_db
@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_post_detail_neutralizes_script_in_post_body(client, author, payload):
    post = Post.objects.create(author=author, title="xss", body=f"before\n\n{payload}\n\nafter")
    page = client.get(post.get_absolute_url()).content.decode()
    assert "<p>before</p>" in page
    assert_nothing_runs(page)


@pytest.mark.django_db
def test_post_detail_shows_code_block_from_body(client, author):
    post = Post.objects.create(author=author, title="code", body="```js\nconsole.log('<hi>');\n```")
    page = client.get(post.get_absolute_url()).content.decode()
    assert '<pre><code class="language-js">' in page
    assert "console.log(&#x27;&lt;hi&gt;&#x27;);" in page or "console.log('&lt;hi&gt;');" in page


@pytest.mark.django_db
@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_post_detail_neutralizes_script_in_comment(client, post, make_user, payload):
    Comment.objects.create(post=post, author=make_user("mallory"), body=payload)
    page = client.get(post.get_absolute_url()).content.decode()
    assert_nothing_runs(page)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_home_excerpt_neutralizes_script_in_post_body(client, author, payload):
    Post.objects.create(author=author, title="xss", body=payload)
    assert_nothing_runs(client.get("/").content.decode())


@pytest.mark.django_db
def test_title_and_nickname_with_html_are_shown_as_text(client, make_user):
    mallory = make_user("mallory", nickname="<img src=x onerror=alert(1)>")
    post = Post.objects.create(author=mallory, title="<script>alert(1)</script>", body="b")
    for url in ("/", post.get_absolute_url()):
        page = client.get(url).content.decode()
        assert_nothing_runs(page)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.django_db
def test_edit_and_delete_pages_show_title_and_comment_as_text(client, author):
    post = Post.objects.create(author=author, title="<script>alert(1)</script>", body="b")
    comment = Comment.objects.create(post=post, author=author, body="<img src=x onerror=alert(1)>")
    client.force_login(author)
    for url in (
        reverse("blog:post_update", args=[post.pk]),
        reverse("blog:post_delete", args=[post.pk]),
        reverse("blog:comment_delete", args=[comment.pk]),
    ):
        assert_nothing_runs(client.get(url).content.decode())


def test_rendering_the_same_text_again_reuses_the_result(monkeypatch):
    calls = []
    real = markdown_module.markdown_lib.markdown
    monkeypatch.setattr(markdown_module.markdown_lib, "markdown", lambda *a, **k: calls.append(1) or real(*a, **k))
    text = "**remembered** once"
    first, second = render_markdown(text), render_markdown(text)
    assert first == second == "<p><strong>remembered</strong> once</p>"
    assert len(calls) == 1
    assert "changed" in render_markdown(text + " changed")  # an edit is rendered anew
    assert len(calls) == 2


def test_very_long_text_is_rendered_every_time_and_not_remembered(monkeypatch):
    calls = []
    real = markdown_module.markdown_lib.markdown
    monkeypatch.setattr(markdown_module.markdown_lib, "markdown", lambda *a, **k: calls.append(1) or real(*a, **k))
    text = "x" * (markdown_module.REMEMBERED_MAX_CHARS + 1)
    render_markdown(text)
    render_markdown(text)
    assert len(calls) == 2
