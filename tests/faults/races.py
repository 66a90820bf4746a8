"""The races of fault 5, as users cause them: the same request several times at the same moment.

Shared by the threads of the test's live server and the processes of the cluster. Each
function sends the racing requests, released together by a barrier, and returns the
answers in order (None where no answer came).
"""

from functools import partial

import requests

from tests.cluster.cluster import exchange_kakao_code
from tests.faults.traffic import BrowserLogin, Recorder, Site, at_once, finish_browser_login, start_browser_login

# Each racing request on a connection of its own, closed after the answer: a kept-alive one would
# hold a live-server thread, and its database connection, for as long as the test keeps the answer.
ONE_SHOT = {"Connection": "close"}


def first_api_logins_at_once(site: Site, recorder: Recorder, account: str, *, apps: int = 2) -> list:
    """Trade one fresh code each for our JWTs at the same moment, as two apps of one person would."""
    codes = [site.kakao_code(account) for _ in range(apps)]
    exchanges = [partial(exchange_kakao_code, site.url, code) for code in codes]
    return at_once([partial(recorder.send, "POST /api/auth/kakao/", exchange) for exchange in exchanges])


def first_browser_logins_at_once(
    site: Site, recorder: Recorder, account: str, *, browsers: int = 2
) -> list[BrowserLogin]:
    """Come back from Kakao to the callback in two browsers at the same moment."""
    started = [start_browser_login(site, recorder, account) for _ in range(browsers)]
    if any(callback_url is None for _session, callback_url in started):
        raise AssertionError("a login did not even start")
    return at_once([partial(finish_browser_login, site, recorder, session, url) for session, url in started])


def refreshes_at_once(site: Site, recorder: Recorder, refresh_token: str, *, clients: int = 8) -> list:
    """Refresh one refresh token from several requests at once, as an app's parallel calls do after a sleep."""
    refresh = partial(
        requests.post,
        f"{site.url}/api/auth/token/refresh/",
        json={"refresh": refresh_token},
        headers=ONE_SHOT,
        timeout=20,
    )
    return at_once([partial(recorder.send, "POST /api/auth/token/refresh/", refresh) for _ in range(clients)])


def page_loads_with_refresh_cookie_at_once(
    site: Site, recorder: Recorder, refresh_token: str, *, tabs: int = 3
) -> list:
    """Load pages in several tabs at once with the access cookie expired: only the refresh cookie is sent."""
    load = partial(requests.get, f"{site.url}/", cookies={"refresh_token": refresh_token}, headers=ONE_SHOT, timeout=20)
    return at_once([partial(recorder.send, "GET / (refresh cookie only)", load) for _ in range(tabs)])
