import pytest
from django.core.cache import cache

# Import the URLconf now, with the test settings' sandbox on as under `make run`: it is built
# once per process, and tests that switch KAKAO_SANDBOX off must not decide whether the
# sandbox's routes exist for every test after them.
import config.urls  # noqa: F401
from blog.models import Post


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache, so rate-limit counts never leak between tests."""
    cache.clear()


@pytest.fixture
def make_user(django_user_model):
    """Return a factory of local users: make_user("minji", nickname="민지")."""

    def make(username: str = "reader", **fields):
        fields.setdefault("nickname", username)
        return django_user_model.objects.create_user(username=username, **fields)

    return make


@pytest.fixture
def author(make_user):
    return make_user("author", nickname="작성자")


@pytest.fixture
def post(author):
    return Post.objects.create(author=author, title="첫 글", body="**안녕하세요**")
