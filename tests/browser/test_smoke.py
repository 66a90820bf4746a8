import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_with_demo_posts_renders_in_chromium(page, screenshot):
    call_command("seed_demo", verbosity=0)
    page.goto("/")
    assert page.locator(".post-card").count() == 5
    assert page.get_by_role("link", name="카카오 로그인 처음부터 끝까지").count() + page.locator(
        "text=카카오 로그인, 처음부터 끝까지"
    ).count() >= 1
    screenshot("home")
