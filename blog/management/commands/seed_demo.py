"""Create demo authors, posts and comments; running it twice changes nothing."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from blog import services
from blog.models import Comment, Post

AUTHORS = [
    {"username": "demo-minji", "nickname": "김민지"},
    {"username": "demo-junho", "nickname": "이준호"},
    {"username": "demo-alex", "nickname": "Alex Kim"},
]

POSTS = [
    (
        "demo-minji",
        "카카오 로그인, 처음부터 끝까지",
        """카카오 로그인은 **OAuth 2.0 인가 코드 흐름**입니다. 순서는 이렇습니다.

1. 블로그가 브라우저를 `kauth.kakao.com/oauth/authorize`로 보냅니다 (`state`, `code_challenge` 포함).
2. 사용자가 동의하면 카카오가 `?code=...&state=...`로 돌려보냅니다.
3. 서버가 `code`와 `code_verifier`로 토큰을 받고, `/v2/user/me`로 프로필을 읽습니다.

> `state`는 로그인 CSRF를, PKCE는 코드 가로채기를 막습니다.

오른쪽 위의 **카카오 로그인** 버튼으로 직접 해 보세요.""",
    ),
    (
        "demo-junho",
        "JWT는 왜 로드 밸런서 뒤에서 편할까",
        """서버가 여러 대일 때 세션을 공유하려면 Redis 같은 저장소가 필요합니다.
JWT는 **서명**만 확인하면 되므로 공개 키(JWKS)만 있으면 어느 서버든 검증할 수 있습니다.

```python
import jwt

claims = jwt.decode(token, public_key, algorithms=["RS256"], issuer=ISSUER)
print(claims["sub"])
```

대신 JWT는 회수할 수 없습니다. 그래서 액세스 토큰은 5분만 살고, 리프레시 토큰은 회전합니다.""",
    ),
    (
        "demo-alex",
        "Why this blog issues its own tokens",
        """Kakao's access token proves *Kakao* trusts the user. Our API should not depend on
Kakao being reachable on every request, so after login we issue **our own** short-lived
JWT, signed with RS256, with our own `iss`, `sub` and `exp`.

| Token | Issued by | Lives |
|---|---|---|
| Kakao access token | Kakao | ~6 hours |
| Our access token | this blog | 5 minutes |
| Our refresh token | this blog | 14 days, rotated |

Try `GET /.well-known/jwks.json` to see the public key.""",
    ),
    (
        "demo-minji",
        "마크다운 작성 팁",
        """글은 마크다운으로 씁니다.

- `**굵게**`는 **굵게**
- `` `코드` ``는 `코드`
- 코드 블록은 백틱 세 개로 감쌉니다

```js
console.log("안녕하세요");
```

`<script>` 같은 위험한 HTML은 자동으로 제거됩니다.""",
    ),
    (
        "demo-alex",
        "PKCE in one paragraph",
        """Before redirecting, the client makes a random `code_verifier` and sends only its
SHA-256 hash, the `code_challenge`. When exchanging the code it sends the verifier.
A stolen authorization code is useless without it. See RFC 7636 and RFC 9700.""",
    ),
]

COMMENTS = [
    ("카카오 로그인, 처음부터 끝까지", "demo-junho", "state와 PKCE를 둘 다 쓰는 이유가 명확해졌어요!"),
    ("카카오 로그인, 처음부터 끝까지", "demo-alex", "Great walkthrough. The flow inspector makes it click."),
    ("JWT는 왜 로드 밸런서 뒤에서 편할까", "demo-minji", "리프레시 토큰 회전까지 설명해 주셔서 감사합니다."),
    ("Why this blog issues its own tokens", "demo-junho", "짧은 수명의 액세스 토큰이 핵심이네요."),
]


class Command(BaseCommand):
    help = "Create demo authors, posts (Korean and English) and comments. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        User = get_user_model()
        authors = {}
        for spec in AUTHORS:
            user, created = User.objects.get_or_create(
                username=spec["username"], defaults={"nickname": spec["nickname"]}
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            authors[spec["username"]] = user
        posts = {}
        created_posts = 0
        for username, title, body in POSTS:
            post = Post.objects.filter(author=authors[username], title=title).first()
            if post is None:
                post = services.post_create(author=authors[username], title=title, body=body)
                created_posts += 1
            posts[title] = post
        created_comments = 0
        for title, username, body in COMMENTS:
            _, created = Comment.objects.get_or_create(post=posts[title], author=authors[username], body=body)
            created_comments += created
        self.stdout.write(f"Demo data ready: {created_posts} new posts, {created_comments} new comments.")
