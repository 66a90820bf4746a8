"""Drive the consent page over real HTTP, as a browser without JavaScript would."""

import html
import re
from urllib.parse import urljoin

import requests


def consent_over_http(session: requests.Session, authorize_url: str, *, account: str, action: str = "agree") -> str:
    """Open the consent page, submit its form, and return where the sandbox redirects to."""
    page = session.get(authorize_url, timeout=10)
    page.raise_for_status()
    form_action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
    csrf_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        urljoin(authorize_url, form_action),
        data={"csrfmiddlewaretoken": csrf_token, "account": account, "action": action},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]
