"""The dashboard's session: an encrypted cookie, gone after 30 minutes without a request.

The cookie holds who signed in, when, when they were last seen and the form token; it is
encrypted and authenticated (Fernet) with a key derived from POLICYBOT_SECRET_KEY for this
purpose only, so a cookie made with any other key is not read at all.
"""

from __future__ import annotations

import hmac
import secrets
import time

from aiohttp import web
from aiohttp_session import Session, get_session, new_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

IDLE_SECONDS = 30 * 60
LIFETIME_SECONDS = 8 * 3600  # signed out after a working day, however active
PATH = "/dashboard"
_PURPOSE = b"policybot dashboard session v1"
EXPIRED = web.RequestKey("session_expired", bool)


def session_key(secret: bytes) -> bytes:
    """The cookie key: derived from the installation's secret, used for nothing else."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret)


def cookie_name(secure: bool) -> str:
    """The cookie's name; over HTTPS the browser refuses it unless it came over HTTPS too."""
    return "__Secure-policybot" if secure else "policybot"


def storage(secret: bytes, secure: bool) -> EncryptedCookieStorage:
    """HttpOnly, SameSite=Lax, Secure over HTTPS, sent only to the dashboard's paths. The
    encryption's timestamp makes a cookie unreadable once LIFETIME_SECONDS have passed since
    it was last written; `signed_in` refuses one whose last activity is older than
    IDLE_SECONDS, and writes it again on every signed-in request."""
    return EncryptedCookieStorage(
        session_key(secret),
        cookie_name=cookie_name(secure),
        max_age=LIFETIME_SECONDS,
        path=PATH,
        secure=secure,
        httponly=True,
        samesite="Lax",
    )


async def signed_in(request: web.Request) -> str | None:
    """The person id of the signed-in session, its activity renewed; None otherwise."""
    session = await get_session(request)
    person_id = session.get("person")
    if not isinstance(person_id, str):
        return None
    now = int(time.time())
    since, seen = session.get("since", 0), session.get("seen", 0)
    if now - seen > IDLE_SECONDS or now - since > LIFETIME_SECONDS:
        session.invalidate()
        request[EXPIRED] = True
        return None
    session["seen"] = now
    return person_id


async def csrf_token(request: web.Request) -> str:
    """The session's form token, created with the session if it has none."""
    session = await get_session(request)
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


async def csrf_ok(request: web.Request, given: str) -> bool:
    """True when a submitted form carries the session's token."""
    session = await get_session(request)
    token = session.get("csrf")
    return isinstance(token, str) and bool(given) and hmac.compare_digest(token, given)


async def start(request: web.Request, person_id: str) -> Session:
    """A fresh session for a person who just signed in (with a new form token)."""
    session = await new_session(request)
    now = int(time.time())
    session.update(person=person_id, since=now, seen=now, csrf=secrets.token_urlsafe(32))
    return session


async def end(request: web.Request) -> None:
    """Forget the session: the browser is told to drop the cookie."""
    session = await get_session(request)
    session.invalidate()
