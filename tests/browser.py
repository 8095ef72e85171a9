"""One Debian Chromium (driven by Playwright) for every browser test; never downloaded."""

import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.conftest import ROOT

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is required (scripts/dev test installs it)"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
def screenshot_path(logs_dir: Path) -> Callable[[str], str]:
    """Where a test saves its screenshot: the logs folder, or `docs/` when
    PROOFSTREAM_UPDATE_SCREENSHOTS=1 (so a test run never edits the working tree)."""
    folder = ROOT / "docs" if os.environ.get("PROOFSTREAM_UPDATE_SCREENSHOTS") == "1" else logs_dir

    def path(name: str) -> str:
        return str(folder / name)

    return path
