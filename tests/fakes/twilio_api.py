"""A fake Twilio on loopback: the Messages API, status callbacks, signed webhooks.

    FakeTwilio        serves POST /2010-04-01/Accounts/<sid>/Messages.json
                      (HTTP Basic auth with the account sid and auth token),
                      records each message, answers with the documented
                      Message resource; `fail_next(429, 500, ...)` makes the
                      next requests fail first; `report(sid, status)` POSTs
                      the message's StatusCallback, signed like Twilio
    signed_post       POSTs a form the way Twilio does (X-Twilio-Signature)
    recorded_form     a recorded webhook body from tests/data/sms/, edited

It runs in a thread, so sync and async tests use it alike.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlencode

from twilio.request_validator import RequestValidator

DATA = Path(__file__).resolve().parents[1] / "data" / "sms"
ACCOUNT_SID = "AC" + "0" * 30 + "01"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
TWILIO_NUMBER = "+15005550006"


def recorded_form(name: str, **changes: str) -> List[Tuple[str, str]]:
    """The recorded body tests/data/sms/<name>.txt as (key, value) pairs, with `changes`."""
    pairs = parse_qsl((DATA / f"{name}.txt").read_text(encoding="utf-8").strip(),
                      keep_blank_values=True)
    seen = set()
    edited = []
    for key, value in pairs:
        if key in changes:
            value = changes[key]
            seen.add(key)
        edited.append((key, value))
    edited += [(k, v) for k, v in changes.items() if k not in seen]
    return edited


def signature(url: str, form: List[Tuple[str, str]], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature of a POST of `form` to `url`."""
    params: Dict[str, List[str]] = {}
    for key, value in form:
        params.setdefault(key, []).append(value)

    class _Params(dict):
        def getlist(self, key: str) -> List[str]:
            return self[key]

    return RequestValidator(token).compute_signature(url, _Params(params))


def signed_post(
    url: str,
    form: List[Tuple[str, str]],
    *,
    token: str = AUTH_TOKEN,
    sign_url: Optional[str] = None,
    header: Optional[str] = "auto",
    body: Optional[bytes] = None,
    timeout: float = 60,
) -> Tuple[int, str]:
    """POST the form like Twilio (signed for `sign_url`, default `url`); (status, body)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if header == "auto":
        headers["X-Twilio-Signature"] = signature(sign_url or url, form, token)
    elif header is not None:
        headers["X-Twilio-Signature"] = header
    data = body if body is not None else urlencode(form).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@dataclass
class SentMessage:
    """One message the fake accepted."""

    sid: str
    to: str
    from_: str
    body: str
    status_callback: Optional[str]


@dataclass
class FakeTwilio:
    """The fake Messages API; start() before use, stop() after."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    messages: List[SentMessage] = field(default_factory=list)
    requests: int = 0
    _failures: List[Tuple[int, int]] = field(default_factory=list)
    _server: Optional[ThreadingHTTPServer] = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """The base URL, as NSSA_TWILIO_API_URL."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "FakeTwilio":
        """Serve on a free loopback port in a daemon thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                status, body = fake._answer(
                    self.path, self.headers.get("Authorization", ""), self.rfile.read(length)
                )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def fail_next(self, *failures: "int | Tuple[int, int]") -> None:
        """Answer the next requests with these HTTP statuses or (status, Twilio error code)."""
        with self._lock:
            for failure in failures:
                status, code = failure if isinstance(failure, tuple) else (failure, 20000 + failure)
                self._failures.append((status, code))

    def bodies(self, to: Optional[str] = None) -> List[str]:
        """The bodies sent (to one number), in order."""
        with self._lock:
            return [m.body for m in self.messages if to is None or m.to == to]

    def wait_for(self, count: int, timeout: float = 30) -> List[str]:
        """Wait until `count` messages were sent in all; their bodies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.bodies()) >= count:
                return self.bodies()
            time.sleep(0.1)
        raise AssertionError(f"expected {count} messages, got {self.bodies()}")

    def report(self, sid: str, status: str, error_code: Optional[str] = None) -> int:
        """POST a status callback for a sent message, signed; Twilio's view of the answer."""
        message = next(m for m in self.messages if m.sid == sid)
        assert message.status_callback, "the message was sent without a StatusCallback"
        form = [("AccountSid", self.account_sid), ("ApiVersion", "2010-04-01"),
                ("From", message.from_), ("MessageSid", sid), ("MessageStatus", status),
                ("SmsSid", sid), ("SmsStatus", status), ("To", message.to)]
        if error_code is not None:
            form.append(("ErrorCode", error_code))
        return signed_post(message.status_callback, form, token=self.auth_token)[0]

    def _answer(self, path: str, authorization: str, raw: bytes) -> Tuple[int, dict]:
        expected = "Basic " + base64.b64encode(
            f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if authorization != expected:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            return 404, {"code": 20404, "message": "The requested resource was not found",
                         "status": 404}
        form = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        with self._lock:
            self.requests += 1
            if self._failures:
                status, code = self._failures.pop(0)
                return status, {"code": code, "message": "scripted failure", "status": status}
            if not form.get("To") or not form.get("Body") or len(form["Body"]) > 1600:
                return 400, {"code": 21602, "message": "Message body is required.",
                             "status": 400}
            sid = "SM" + secrets.token_hex(16)
            self.messages.append(SentMessage(sid, form["To"], form.get("From", ""),
                                             form["Body"], form.get("StatusCallback")))
        return 201, {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": form["Body"],
            "date_created": "Wed, 25 Nov 2026 10:00:00 +0000", "date_sent": None,
            "date_updated": "Wed, 25 Nov 2026 10:00:00 +0000", "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": form.get("From"),
            "messaging_service_sid": None, "num_media": "0", "num_segments": "1",
            "price": None, "price_unit": "USD", "sid": sid, "status": "queued",
            "subresource_uris": {}, "to": form["To"],
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
