"""What every browser test shares: Debian's Chromium (a test that needs it fails under CI when it
is missing, and is skipped elsewhere), the workspace served by uvicorn on a free loopback port,
a person signed in through the pages as they would, and the README's screenshots
(``SFCLAIMS_SCREENSHOTS=DIR``). The fixtures are in ``conftest.py``."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from sfclaims.web.app import create_app
from tests.web.conftest import PASSWORD, SECRET

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NEEDS_CHROMIUM = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (`.ci/run` installs it)",
)
SHOTS = os.environ.get("SFCLAIMS_SCREENSHOTS")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serving(database_url: str, port: int) -> Iterator[str]:
    """The workspace of the database served by uvicorn on the loopback port, until closed."""
    app = create_app(database_url, secret=SECRET)
    served = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    started = time.monotonic()
    while not served.started:  # uvicorn sets it once it listens
        assert thread.is_alive() and time.monotonic() - started < 20, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


def signed_in(browser, url: str, name: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """A new browser context signed in to the workspace at the URL as the account (its second
    factor set up, as the person does with their app, where the account needs one)."""
    from tests.web.conftest import SECOND_FACTORS, code_for

    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    password = CHOSEN.get((url, name), password)
    page.goto(f"{url}/sign-in")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("#sign-in")
    if "/sign-in/set-up" in page.url:  # admins, the claims team, auditors: the app set up first
        SECOND_FACTORS[name] = (page.text_content("#secret-key") or "", -1)
        page.fill("#code", code_for(name))
        page.click("#send-code")
        page.click("#continue")
    elif "/sign-in/code" in page.url:  # set up at an earlier sign-in
        page.fill("#code", code_for(name))
        page.click("#send-code")
    page.wait_for_selector("text=Signed in as")
    if page.locator("#first-use").count():  # a password an admin gave: one of their own first
        mine = f"{password} of my own"
        page.fill("#current", password)
        page.fill("#new", mine)
        page.fill("#again", mine)
        page.click("#change-password")
        page.wait_for_selector("#done")
        CHOSEN[(url, name)] = mine
    return page


#: The passwords people chose for themselves at their first sign-in, by workspace and name.
CHOSEN: dict[tuple[str, str], str] = {}


def shot(page, name: str, of: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """The page as it is seen (``of``: only the part the selector picks, however far down)."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        (page.locator(of) if of else page).screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def npm_installed(folder: Path, needed: str) -> Path:
    """``needed`` (a path under the folder's node_modules), its packages installed from the
    folder's lock file on first use: once, whichever test process asks first — the others wait
    on a lock rather than run a half-installed package."""
    lock = Path(tempfile.gettempdir()) / f"sfclaims-npm-{folder.name}.lock"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        if not (folder / "node_modules" / needed).exists():
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
                cwd=folder,
                check=True,
                timeout=300,
            )
    return folder / "node_modules" / needed
