"""The dashboard's defences, over real HTTP against the real app."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from http.cookies import SimpleCookie

import aiohttp
from cryptography.fernet import Fernet
from sqlmodel import select

from adapters.web import session
from bot.model import Role
from storage.signins import SignInRow
from tests.e2e.web.conftest import Site, csrf, field
from tests.e2e.web.seed import SCRIPT_DEPT, SCRIPT_TITLE, SECRET_KEY
from tests.replies import as_text

SIGNED_OUT = "The dashboard has no passwords"


def secret() -> bytes:
    import base64

    return base64.urlsafe_b64decode(SECRET_KEY + "=" * (-len(SECRET_KEY) % 4))


def forged(key: bytes, person_id: str, seen_ago: int = 0) -> str:
    """A session cookie's value, made the way the dashboard makes them, with `key`."""
    now = int(time.time())
    data = {"person": person_id, "since": now - seen_ago, "seen": now - seen_ago, "csrf": "x"}
    body = json.dumps({"created": now, "session": data}).encode()
    import base64

    return Fernet(base64.urlsafe_b64encode(key)).encrypt(body).decode()


async def test_without_a_session_every_page_is_the_sign_in_page(site: Site) -> None:
    for path in ("/dashboard", "/dashboard/", "/dashboard/charts/training.csv"):
        async with site.http.get(site.url + path, allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/dashboard/sign-in"
    status, page = await site.get("/dashboard")
    assert status == 200
    assert SIGNED_OUT in page
    assert "/policy dashboard" in page and "<kbd>dashboard</kbd>" in page


async def test_a_link_signs_its_person_in_once_and_only_after_the_button(site: Site) -> None:
    link = await site.link("hana@example.com")
    status, confirm = await site.get(link)
    status_again, _ = await site.get(link)  # opening it again (a link preview) spends nothing
    assert status == status_again == 200
    assert "Sign in" in confirm
    status, page = await site.post(
        "/dashboard/sign-in", {"csrf": csrf(confirm), "token": field(confirm, "token")}
    )
    assert status == 200
    assert "Signed in as <strong>Hana HR</strong>" in page
    assert "<h1>Overview</h1>" in page
    # The same link again, even from the same browser: refused.
    status, again = await site.post(
        "/dashboard/sign-in", {"csrf": csrf(page), "token": field(confirm, "token")}
    )
    assert status == 403
    assert "already been used or has expired" in again


async def test_an_expired_link_is_refused(site: Site) -> None:
    link = await site.link("hana@example.com")
    _, confirm = await site.get(link)
    site.clock.advance(minutes=10, seconds=1)
    status, page = await site.post(
        "/dashboard/sign-in", {"csrf": csrf(confirm), "token": field(confirm, "token")}
    )
    assert status == 403
    assert "already been used or has expired" in page
    status, _ = await site.get("/dashboard", allow_redirects=False)
    assert status == 303


async def test_links_are_kept_only_as_keyed_hashes_bound_to_their_person(site: Site) -> None:
    link = await site.link("mona@example.com")
    token = link.rsplit("/", 1)[1]
    async with site.services.store() as uow:
        rows = [
            (r.token_hash, r.person_id, r.expires_at)
            for r in await uow.session.exec(select(SignInRow))
        ]
    assert len(rows) == 1
    token_hash, person_id, expires_at = rows[0]
    assert person_id == site.org.manager
    assert token not in token_hash and len(token_hash) == 64
    left = expires_at.replace(tzinfo=site.clock.now().tzinfo) - site.clock.now()
    assert timedelta(minutes=9) < left <= timedelta(minutes=10)


async def test_forms_without_the_right_token_are_refused(site: Site) -> None:
    page = await site.sign_in("hana@example.com")
    for data in ({}, {"csrf": ""}, {"csrf": "not-the-token"}, {"csrf": csrf(page) + "x"}):
        status, refused = await site.post("/dashboard/sign-out", data)
        assert status == 403, data
        assert "did not come from this dashboard" in refused
    status, still = await site.get("/dashboard")
    assert "Signed in as" in still  # none of them signed anyone out
    # Signing in needs the token too: without it the link is refused and not spent.
    link = await site.link("hana@example.com")
    _, confirm = await site.get(link)
    status, _ = await site.post("/dashboard/sign-in", {"token": field(confirm, "token")})
    assert status == 403
    status, page = await site.post(
        "/dashboard/sign-in", {"csrf": csrf(confirm), "token": field(confirm, "token")}
    )
    assert status == 200 and "Signed in as" in page


async def test_sign_out_ends_the_session(site: Site) -> None:
    page = await site.sign_in("hana@example.com")
    status, out = await site.post("/dashboard/sign-out", {"csrf": csrf(page)})
    assert status == 200
    assert "You are signed out." in out
    status, _ = await site.get("/dashboard", allow_redirects=False)
    assert status == 303


async def test_a_person_without_a_dashboard_role_is_refused(site: Site) -> None:
    from bot.dispatch import handle
    from bot.messages import ConversationRef, Text, TextReply, UserRef

    # An employee asking in chat gets no link.
    user = UserRef("console", "e6@example.com")
    replies = await handle(
        site.services.deps, Text(user, ConversationRef("console", user.id), "dashboard")
    )
    assert "only people with the hr, handler, manager role" in as_text(replies[0]).text
    assert not any("/dashboard/sign-in/" in r.text for r in replies if isinstance(r, TextReply))
    # A manager who loses the role while signed in: the next page is a 403.
    await site.sign_in("mona@example.com")
    async with site.services.store() as uow:
        mona = await uow.people.get(site.org.manager)
        assert mona is not None
        mona.roles = frozenset({Role.EMPLOYEE})
        await uow.people.save(mona)
        await uow.commit()
    status, page = await site.get("/dashboard")
    assert status == 403
    assert "This page is for people with the hr, handler or manager role" in page
    status, _ = await site.get("/dashboard/charts/training.csv")
    assert status == 403


async def test_a_cookie_made_with_another_key_is_not_a_session(site: Site) -> None:
    name = session.cookie_name(False)
    cookie = forged(session.session_key(b"another installation's key, 32 by"), site.org.hr)
    async with aiohttp.ClientSession() as http:  # a fresh client: only the forged cookie
        async with http.get(
            site.url + "/dashboard", headers={"Cookie": f"{name}={cookie}"}, allow_redirects=False
        ) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/dashboard/sign-in"
        # The same forgery with the real key is read (the test makes cookies correctly) ...
        good = forged(session.session_key(secret()), site.org.hr)
        async with http.get(
            site.url + "/dashboard", headers={"Cookie": f"{name}={good}"}, allow_redirects=False
        ) as response:
            assert response.status == 200
        # ... and is refused after 30 minutes without activity.
        stale = forged(session.session_key(secret()), site.org.hr, seen_ago=31 * 60)
        async with http.get(
            site.url + "/dashboard", headers={"Cookie": f"{name}={stale}"}, allow_redirects=False
        ) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/dashboard/sign-in?note=expired"


async def test_the_session_cookie_is_httponly_lax_and_only_for_the_dashboard(site: Site) -> None:
    link = await site.link("hana@example.com")
    async with site.http.get(link) as response:
        cookie = SimpleCookie(response.headers["Set-Cookie"])
    morsel = cookie[session.cookie_name(False)]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/dashboard"
    assert not morsel["secure"]  # served over plain HTTP here (PUBLIC_URL is not https)
    storage = session.storage(secret(), secure=True)
    assert storage.cookie_name == "__Secure-policybot"
    assert storage.cookie_params["secure"] is True


async def test_pages_load_nothing_from_outside_and_escape_what_people_wrote(site: Site) -> None:
    page = await site.sign_in("hana@example.com")
    async with site.http.get(site.url + "/dashboard") as response:
        policy = response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "http://" not in policy and "https://" not in policy
    for attribute in ('src="', 'href="'):
        for value in page.split(attribute)[1:]:
            assert value.startswith(("/dashboard", "#")), value[:60]
    # The seeded announcement title and department are scripts: shown as text.
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#34;dept&#34;)&lt;/script&gt;" in page
    assert SCRIPT_TITLE not in page and SCRIPT_DEPT not in page
    status, script = await site.get("/dashboard/static/htmx.min.js")
    assert status == 200 and "htmx" in script
    status, licence = await site.get("/dashboard/static/htmx.LICENSE.txt")
    assert status == 200 and "Zero-Clause BSD" in licence


async def test_every_page_of_the_navigation_needs_a_session_and_loads_nothing_from_outside(
    site: Site,
) -> None:
    from adapters.web.render import NAV

    for _, path in NAV:
        async with site.http.get(site.url + path, allow_redirects=False) as response:
            assert response.status == 303, path
            assert response.headers["Location"] == "/dashboard/sign-in", path
    await site.sign_in("hana@example.com")  # hr: every page is hers
    for label, path in NAV:
        status, page = await site.get(path)
        assert status == 200, path
        assert f'aria-current="page">{label}</a>' in page, path
        for attribute in ('src="', 'href="', 'action="'):
            for value in page.split(attribute)[1:]:
                assert value.startswith(("/dashboard", "#")), (path, value[:60])
        assert "<script>alert" not in page, path  # what people wrote shows as text
