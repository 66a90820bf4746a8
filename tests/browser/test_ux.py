"""Issue 14 in a real browser at 1280 and 390 px: login keeps next, failures can be inspected,
the user's own token reaches the explainer, every action says what it did, pages fit a phone,
and axe-core finds no serious or critical accessibility violation on the main pages."""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from accounts.models import User
from blog import services
from blog.models import Comment, Post
from tests.browser.journeys import SCREENSHOTS

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"wide": 1280, "phone": 390}
TABLE_POST = (
    "세션과 JWT를 비교합니다. **굵게** 쓴 말과 `code`도 있습니다.\n\n"
    "| 방식 | 저장 위치 | 만료 |\n|:---|:---:|---:|\n"
    "| 세션 쿠키 | 서버 데이터베이스 | 브라우저 종료 |\n| JWT 액세스 토큰 | HttpOnly 쿠키 | 5분 |\n\n"
    "```python\ndef hello(name: str) -> str:\n    return f'안녕하세요, {name}'  # 인사\n```\n"
)


@pytest.fixture
def tab(request, chromium, live_server, transactional_db):
    """A fresh Korean-language tab, 1280 px wide unless the test asks for "phone" (390 px)."""
    width_name = getattr(request, "param", "wide")
    width = WIDTHS[width_name]
    context = chromium.new_context(
        locale="ko-KR",
        base_url=live_server.url,
        viewport={"width": width, "height": 900 if width > 600 else 844},
        is_mobile=width < 600,
        has_touch=width < 600,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.width_name = width_name
    yield page
    context.close()


both_widths = pytest.mark.parametrize("tab", list(WIDTHS), indirect=True)


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"ux-{name}-{page.width_name}.png"), full_page=True)


def agree_at_sandbox(page: Page, account: str = "full") -> None:
    page.locator(f"#account-{account}").check()
    page.get_by_role("button", name="동의하고 계속하기").click()


def header_login(page: Page):
    return page.locator("header").get_by_role("link", name="카카오 로그인", exact=True)


def log_in(page: Page, account: str = "full") -> None:
    header_login(page).click()
    page.locator("main").get_by_role("link", name="카카오 로그인", exact=True).click()
    agree_at_sandbox(page, account)


@pytest.fixture
def table_post(author):
    return services.post_create(author=author, title="세션과 JWT 비교", body=TABLE_POST)


# 1. The login loop


@both_widths
def test_logging_in_from_a_login_page_lands_on_its_next_not_on_the_login_page(tab, table_post):
    target = table_post.get_absolute_url()
    tab.goto(f"/accounts/login/?next={target}")
    assert parse_qs(urlsplit(header_login(tab).get_attribute("href")).query) == {"next": [target]}
    header_login(tab).click()
    tab.locator("main").get_by_role("link", name="카카오 로그인", exact=True).click()
    agree_at_sandbox(tab)
    expect(tab).to_have_url(re.compile(rf"{re.escape(target)}$"))
    expect(tab.locator(".message-success")).to_contain_text("홍길동 님, 카카오 계정으로 로그인했습니다")
    shot(tab, "login-loop-landed")


@both_widths
def test_cancel_then_try_again_keeps_next_and_the_address_has_no_state(tab, table_post):
    target = table_post.get_absolute_url()
    tab.goto(target)
    log_in_link = tab.locator(".login-prompt a")
    log_in_link.click()
    tab.locator("main").get_by_role("link", name="카카오 로그인", exact=True).click()
    tab.get_by_role("button", name="취소").click()
    expect(tab.locator("h1")).to_have_text("로그인을 취소했습니다")
    expect(tab).to_have_title(re.compile("^로그인을 취소했습니다"))
    assert urlsplit(tab.url).path == "/accounts/login/failed/" and urlsplit(tab.url).query == ""
    shot(tab, "login-cancelled")
    tab.reload()  # a refresh shows the same page, not a new failure
    expect(tab.locator("h1")).to_have_text("로그인을 취소했습니다")
    tab.get_by_role("link", name="다시 시도").click()
    agree_at_sandbox(tab)
    expect(tab).to_have_url(re.compile(rf"{re.escape(target)}$"))
    expect(tab.locator(".message-success")).to_contain_text("로그인했습니다")


# 2. A failed login can be inspected


@both_widths
def test_failed_login_is_shown_step_by_step_without_logging_in(tab):
    tab.goto("/")
    log_in(tab, "token-500")
    expect(tab.locator("h1")).to_have_text("카카오 로그인을 완료하지 못했습니다")
    assert urlsplit(tab.url).path == "/accounts/login/failed/" and "code=" not in tab.url
    tab.get_by_role("link", name="무슨 일이 있었는지 단계별로 보기").click()
    expect(tab.locator("h1")).to_have_text("실패한 마지막 로그인, 단계별로 보기")
    failed = tab.locator("#flow-failed")
    expect(failed).to_contain_text("3. 블로그 서버가 인가 코드를 카카오 토큰으로 교환합니다")
    expect(failed).to_contain_text("server_error")
    expect(tab.locator("#step-authorize")).to_contain_text("code_challenge_method=S256")
    callback = tab.locator("#step-callback").inner_text()
    assert re.search(r"code.*…\(\d+ chars\)", callback), callback  # the code is shortened
    assert "sandbox-client-secret" not in tab.content()
    assert User.objects.count() == 0
    shot(tab, "failed-login-inspection")


# 3. The user's own access token in the explainer


@both_widths
def test_own_access_token_opens_in_the_explainer_without_a_url_then_kakao_logout_says_so(tab):
    tab.goto("/")
    log_in(tab)
    tab.goto("/accounts/flow/")
    assert "access_token" not in tab.evaluate("document.cookie")  # still HttpOnly
    with tab.expect_response(re.compile(r"/accounts/flow/token/$")) as answer:
        tab.get_by_role("button", name="내 액세스 토큰을 디코더에서 열기").click()
    assert answer.value.request.method == "POST"
    assert answer.value.headers["cache-control"] == "no-store"
    cookie = next(c["value"] for c in tab.context.cookies() if c["name"] == settings.JWT_ACCESS_COOKIE_NAME)
    assert cookie not in tab.url
    expect(tab.locator("#own-token-title")).to_have_text("내 액세스 토큰입니다")
    assert tab.locator("#jwt-input").input_value() == cookie
    expect(tab.locator("#jwt-verdict")).to_contain_text("서명")
    expect(tab.locator("#jwt-verdict")).to_have_class(re.compile("ok"))
    shot(tab, "own-token-in-explainer")
    tab.goto("/accounts/me/")
    tab.get_by_label("이 브라우저의 카카오 계정에서도 로그아웃").check()
    tab.locator("main").get_by_role("button", name="로그아웃").click()
    expect(tab.locator(".message-success")).to_have_text("블로그와 카카오 계정에서 모두 로그아웃했습니다.")


# 5. Every action says what it did


@both_widths
def test_every_action_says_what_happened_under_a_two_row_header(tab):
    tab.goto("/")
    log_in(tab)
    expect(tab.locator(".message-success")).to_contain_text("로그인했습니다")
    assert_header_has_at_most_two_rows(tab)
    shot(tab, "header-logged-in")
    tab.goto("/posts/new/")
    tab.get_by_label("제목").fill("미리 보고 쓰는 글")
    tab.get_by_label("본문").fill(TABLE_POST)
    tab.get_by_role("button", name="미리 보기").click()
    expect(tab.locator(".preview .tok-k").first).to_have_text("def")
    expect(tab.locator(".preview td.align-right").first).to_have_css("text-align", "right")
    assert not Post.objects.exists()
    shot(tab, "post-preview")
    tab.get_by_role("button", name="발행").click()
    expect(tab.locator(".message-success")).to_have_text("글을 발행했습니다.")
    tab.get_by_role("link", name="수정").click()
    tab.get_by_role("button", name="저장").click()
    expect(tab.locator(".message-success")).to_have_text("수정한 내용을 저장했습니다.")
    tab.get_by_role("textbox", name="댓글").fill("댓글 하나")
    tab.get_by_role("button", name="댓글 등록").click()
    expect(tab.locator(".message-success")).to_have_text("댓글을 등록했습니다.")
    tab.locator(".post-actions").get_by_role("link", name="삭제").click()
    tab.get_by_role("button", name="삭제").click()
    expect(tab.locator(".message-success")).to_have_text("“미리 보고 쓰는 글” 글을 삭제했습니다.")
    tab.locator("header").get_by_role("button", name="로그아웃").click()
    expect(tab.locator(".message-success")).to_have_text("로그아웃했습니다.")


def test_account_deletion_counts_what_goes_cancels_to_profile_and_confirms(tab, author):
    tab.goto("/")
    log_in(tab)
    user = User.objects.get(username__startswith="kakao_")
    post = services.post_create(author=user, title="내 글", body="본문")
    services.comment_create(post=post, author=user, body="내 댓글")
    services.comment_create(post=services.post_create(author=author, title="남의 글", body="x"), author=user, body="또")
    tab.goto("/accounts/delete/")
    expect(tab.locator(".delete-counts-list")).to_have_text(re.compile(r"글 1개\s*댓글 2개"))
    shot(tab, "account-delete")
    tab.get_by_role("link", name="취소").click()
    expect(tab).to_have_url(re.compile(r"/accounts/me/$"))
    tab.goto("/accounts/delete/")
    tab.get_by_role("button", name="회원 탈퇴").click()
    expect(tab.locator(".message-success")).to_have_text("계정을 삭제했습니다. 글 1개와 댓글 2개도 함께 삭제했습니다.")
    assert not User.objects.filter(pk=user.pk).exists() and Comment.objects.count() == 0


# 6. Phone-sized pages


def assert_header_has_at_most_two_rows(page: Page) -> None:
    header = page.locator(".site-header").bounding_box()
    brand = page.locator(".brand").bounding_box()
    nav_items = page.locator(".site-nav > *:visible")
    boxes = [nav_items.nth(i).bounding_box() for i in range(nav_items.count())]
    middles = {round(box["y"] + box["height"] / 2) for box in boxes}
    assert max(middles) - min(middles) <= 4, middles  # one line of navigation
    assert header["height"] <= brand["height"] * 2 + 60


WORD_BROKEN_ACROSS_LINES = """(selector) => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const text = cell.firstChild;
    if (!text || text.nodeType !== Node.TEXT_NODE) continue;
    for (const match of text.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(text, match.index);
      range.setEnd(text, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""


@both_widths
def test_post_tables_keep_words_whole_and_code_is_highlighted(tab, table_post):
    tab.goto(table_post.get_absolute_url())
    assert tab.evaluate(WORD_BROKEN_ACROSS_LINES, ".post-body td, .post-body th") == []
    expect(tab.locator(".post-body th.align-center")).to_have_css("text-align", "center")
    expect(tab.locator(".post-body .tok-k").first).to_have_text("def")
    assert tab.evaluate("document.documentElement.scrollWidth") <= WIDTHS[tab.width_name]
    size = tab.locator(".post-body p").first.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
    assert size >= 17.5
    shot(tab, "post-detail")


@both_widths
def test_diagram_says_it_scrolls_only_when_it_does(tab):
    tab.goto("/how-it-works/")
    tab.evaluate("document.querySelector('.site-header').style.position = 'static'")  # not over the shot
    hint = tab.locator("#flow-scroll-hint")
    diagram = tab.locator(".flow-diagram")
    scrolls = diagram.evaluate("d => d.scrollWidth > d.clientWidth")
    assert scrolls == (tab.width_name == "phone")
    if scrolls:
        expect(hint).to_be_visible()
    else:
        expect(hint).to_be_hidden()
    expect(tab.locator(".flow-diagram svg")).to_contain_text("인가 코드")
    diagram.screenshot(path=str(SCREENSHOTS / f"ux-diagram-{tab.width_name}.png"))


@both_widths
def test_consent_button_stays_in_view_and_tab_order_follows_the_screen(tab):
    tab.goto("/")
    header_login(tab).click()
    tab.locator("main").get_by_role("link", name="카카오 로그인", exact=True).click()
    agree = tab.get_by_role("button", name="동의하고 계속하기")
    expect(agree).to_be_in_viewport()
    tab.mouse.wheel(0, 600)
    expect(agree).to_be_in_viewport()
    cancel = tab.get_by_role("button", name="취소")
    agree_box, cancel_box = agree.bounding_box(), cancel.bounding_box()
    assert agree_box["x"] < cancel_box["x"]  # Agree is first on screen, as in Tab order
    agree.focus()
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.value") == "cancel"
    tab.locator("#account-token-hang").check()
    expect(tab.locator("#wait-hint")).to_be_visible()
    shot(tab, "sandbox-consent")


def test_styled_404_for_a_missing_post(tab):
    response = tab.goto("/posts/987654/")
    assert response.status == 404
    expect(tab.locator("h1")).to_have_text("페이지를 찾을 수 없습니다")


# Accessibility


def test_axe_check_reports_a_serious_violation_when_there_is_one(axe_tab):
    axe_tab.goto("/")
    axe_tab.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=/x.png>')")
    assert any(problem.startswith("image-alt (critical)") for problem in run_axe(axe_tab))


def run_axe(page: Page) -> list[str]:
    """Return the serious and critical axe-core violations on the page, one line each."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.fixture
def axe_tab(chromium, live_server, transactional_db):
    """A tab that lets the test inject axe-core: the site's CSP rightly refuses any injected script."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make browser` (scripts/ensure-packages.sh installs axe-core)")
    context = chromium.new_context(locale="ko-KR", base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_main_pages_have_no_serious_accessibility_violations(axe_tab, table_post):
    page = axe_tab
    found = {}
    for path in ["/", table_post.get_absolute_url(), "/accounts/login/", "/how-it-works/", "/jwt/"]:
        page.goto(path)
        found[path] = run_axe(page)
    page.goto("/")
    header_login(page).click()
    page.locator("main").get_by_role("link", name="카카오 로그인", exact=True).click()
    found["sandbox consent"] = run_axe(page)
    page.get_by_role("button", name="취소").click()
    found["login cancelled"] = run_axe(page)
    page.goto("/accounts/flow/failed/")
    found["failed flow"] = run_axe(page)
    log_in(page)
    for path in ["/accounts/flow/", "/accounts/me/", "/posts/new/", "/accounts/delete/"]:
        page.goto(path)
        found[path] = run_axe(page)
    page.goto("/accounts/flow/")
    page.get_by_role("button", name="내 액세스 토큰을 디코더에서 열기").click()
    expect(page.locator("#jwt-verdict")).to_have_class(re.compile("ok"))
    found["own token in explainer"] = run_axe(page)
    assert {path: problems for path, problems in found.items() if problems} == {}
