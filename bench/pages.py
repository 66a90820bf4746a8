"""Do the home page and a post's page stay as fast with 10,000 posts as with 10?

    .venv/bin/python bench/pages.py [--requests 300]
    DATABASE_URL=postgres://... .venv/bin/python bench/pages.py   # on PostgreSQL

Renders both pages in this process with Django's test client, on a throwaway test
database (SQLite by default), first with 10 posts, then with 10,000 posts and 30,000
comments. Prints the query count of each page (must be equal) and the median time per
request (target: 10,000 / 10 <= 1.3).
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadgen import database_from_args, machine

BODY = """## 오늘 배운 것

Kakao Login uses the **authorization code** flow with PKCE. The steps:

1. Send the browser to Kakao with `state` and a `code_challenge`.
2. Kakao sends it back with a `code`.
3. Exchange the `code` with the `code_verifier`.

```python
tokens = kakao.exchange_code(authorization_code=code, code_verifier=verifier)
```

> A JWT cannot be recalled: keep access tokens short-lived.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page and size")
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL instead of SQLite")
    args = parser.parse_args()
    with database_from_args(args.postgres):
        measure_all(args)


def measure_all(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.requests)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def run(requests: int) -> None:
    from django.db import connection

    from accounts.models import User
    from blog.models import Comment, Post

    print(f"machine: {machine()}")
    print(f"database: {connection.vendor}; {requests} timed requests per page, median\n")
    author = User.objects.create(username="author", nickname="작성자")
    readers = [User.objects.create(username=f"reader{n}", nickname=f"독자 {n}") for n in range(20)]
    posts = [Post.objects.create(author=author, title=f"글 {n}", body=BODY) for n in range(10)]
    detail = posts[-1]
    Comment.objects.bulk_create(Comment(post=detail, author=reader, body="좋은 글이네요!") for reader in readers[:5])
    pages = {"home": "/", "post detail": detail.get_absolute_url()}

    small = measure(pages, requests)
    more = [Post(author=random.choice(readers), title=f"오래된 글 {n}", body=BODY) for n in range(9_990)]
    Post.objects.bulk_create(more, batch_size=1000)
    post_ids = list(Post.objects.values_list("id", flat=True))
    Comment.objects.bulk_create(
        (Comment(post_id=random.choice(post_ids), author=random.choice(readers), body="댓글") for _ in range(30_000)),
        batch_size=2000,
    )
    Post.objects.filter(pk=detail.pk).update(created_at=Post.objects.latest("created_at").created_at)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    large = measure(pages, requests)

    print(f"{'page':<12} {'posts':>7} {'queries':>8} {'median ms':>10} {'p90 ms':>8}")
    for name in pages:
        for count, result in ((10, small), (Post.objects.count(), large)):
            queries, times = result[name]
            print(
                f"{name:<12} {count:>7,} {queries:>8} {statistics.median(times) * 1000:>10.2f}"
                f" {sorted(times)[int(len(times) * 0.9)] * 1000:>8.2f}"
            )
    print()
    for name in pages:
        ratio = statistics.median(large[name][1]) / statistics.median(small[name][1])
        same = "equal" if small[name][0] == large[name][0] else "DIFFERENT"
        verdict = "met" if ratio <= 1.3 and same == "equal" else "MISSED"
        print(f"{name:<12} time ratio 10,000/10 = {ratio:.2f}, query counts {same}  (target <= 1.30: {verdict})")


def measure(pages: dict[str, str], requests: int) -> dict[str, tuple[int, list[float]]]:
    """Return {page: (queries per request, [seconds per request])}, pages interleaved."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    results: dict[str, tuple[int, list[float]]] = {}
    for name, path in pages.items():
        for _ in range(20):  # warm up caches and the connection
            assert client.get(path).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        results[name] = (len(queries), [])
    for _ in range(requests):
        for name, path in pages.items():
            began = time.perf_counter()
            client.get(path)
            results[name][1].append(time.perf_counter() - began)
    return results


if __name__ == "__main__":
    main()
