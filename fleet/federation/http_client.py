"""The one HTTP client between installations: standard library only, a timeout on every call, and no
redirect followed at all (a partner's answer must come from the address agreed with it, never from another
host it points to). Transport failures and 5xx answers are `PartnerUnreachable`."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field


class PartnerUnreachable(Exception):
    """The partner did not answer usefully (refused connection, timeout, redirect, 5xx, not JSON)."""


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> dict:
        try:
            value = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise PartnerUnreachable("The partner's answer is not JSON.") from None
        if not isinstance(value, dict):
            raise PartnerUnreachable("The partner's answer is not a JSON object.")
        return value


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: PLR0913 (the handler's signature)
        return None  # urllib then raises HTTPError with the 3xx status


_OPENER = urllib.request.build_opener(_NoRedirects, urllib.request.ProxyHandler({}))


def call(method: str, url: str, timeout: float, headers: dict[str, str] | None = None,
         body: bytes | None = None) -> Answer:
    """One request; 2xx, 304 and 4xx come back as an Answer, the rest raise PartnerUnreachable."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Answer(response.status, response.read(), dict(response.headers.items()))
    except urllib.error.HTTPError as exc:
        if exc.code == 304 or 400 <= exc.code < 500:
            return Answer(exc.code, exc.read() or b"", dict(exc.headers.items()))
        raise PartnerUnreachable(f"The partner answered {exc.code}.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PartnerUnreachable(f"The partner could not be reached ({type(reason).__name__}).") from None
