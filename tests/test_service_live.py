"""``unspin serve`` for real: the model, the HTTP API and the page in Debian's chromium.

One server per module (the model loads once); every expected original comes
from the bundled example pair (spun-news.txt / spun-news.original.txt), never
from a string typed here.
"""

from __future__ import annotations

import base64
import difflib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from test_readers import make_pdf  # the same PDF fixtures as the reader tests
from unspin.readers import read_document
from unspin.service.loadtest import _free_port, server_log, start_server, stop_server
from unspin.types import Edit, apply_edits

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SPUN = EXAMPLES.joinpath("spun-news.txt").read_text(encoding="utf-8").split("\n\n")
ORIGINAL = EXAMPLES.joinpath("spun-news.original.txt").read_text(encoding="utf-8").split("\n\n")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def is_right(spun: str, original: str, start: int, end: int, proposed: str) -> bool:
    """Whether ``spun[start:end]`` lies in a stretch the spinner changed and ``proposed`` is
    (part of) what that stretch was: the example pair, aligned word by word, decides."""
    spun_words = [(m.start(), m.end()) for m in re.finditer(r"\S+", spun)]
    original_words = re.findall(r"\S+", original)
    matcher = difflib.SequenceMatcher(a=[spun[a:b] for a, b in spun_words], b=original_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        if spun_words[i1][0] <= start and end <= spun_words[i2 - 1][1]:
            was = " ".join(original_words[j1:j2]).lower()
            return re.search(rf"(?<!\w){re.escape(proposed.lower())}(?!\w)", was) is not None
    return False


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    process = start_server(port)
    yield f"http://127.0.0.1:{port}"
    seconds = stop_server(process, wait_s=60)
    log = server_log(process)
    assert "Application shutdown complete" in log and "Traceback" not in log, log[-3000:]
    assert seconds < 30


# --- the API --------------------------------------------------------------------------------


def test_restore_endpoint_finds_what_the_spinner_changed(server: str) -> None:
    response = httpx.post(f"{server}/v1/restore", json={"text": SPUN[0]}, timeout=300)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["source"] == SPUN[0] and result["format"] == "text"
    edits = [Edit(**{**e, "alternatives": tuple(map(tuple, e["alternatives"]))}) for e in result["edits"]]
    assert apply_edits(SPUN[0], edits) == result["text"]
    assert any(is_right(SPUN[0], ORIGINAL[0], e.start, e.end, e.original) for e in edits)


def test_restore_endpoint_makes_the_edits_the_python_api_makes(server: str) -> None:
    """The service and ``unspin.restore`` (hence the CLI) judge a text as one block, so a text of
    several paragraphs gets the same edits from both (the reranker looks at the whole block)."""
    import unspin

    text = "\n\n".join(SPUN)
    response = httpx.post(f"{server}/v1/restore", json={"text": text}, timeout=300)
    assert response.status_code == 200, response.text
    served = [(e["start"], e["end"], e["original"], round(e["confidence"], 6)) for e in response.json()["edits"]]
    local = [(e.start, e.end, e.original, round(e.confidence, 6)) for e in unspin.restore(text).edits]
    assert served == local and served


def test_restore_endpoint_reads_a_pdf(server: str) -> None:
    pdf = make_pdf(SPUN[:1])
    response = httpx.post(f"{server}/v1/restore", timeout=300,
                          json={"file": base64.b64encode(pdf).decode(), "filename": "story.pdf"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["format"] == "pdf" and result["source"] == read_document(pdf, "story.pdf")
    assert any(is_right(result["source"], ORIGINAL[0], e["start"], e["end"], e["original"]) for e in result["edits"])


def test_check_endpoint_returns_the_python_report(server: str) -> None:
    import unspin

    text = "\n\n".join(SPUN[:2])
    try:
        expected = unspin.check(text, fast=True).to_dict()  # the fast tier needs no model
    except NotImplementedError:
        pytest.skip("unspin.check is not implemented yet")
    response = httpx.post(f"{server}/v1/check", json={"text": text, "fast": True}, timeout=300)
    assert response.status_code == 200, response.text
    assert response.json() == {**expected, "source": text, "format": "text"}
    known = httpx.post(f"{server}/v1/check", json={"text": text, "fast": True, "spun": True}, timeout=300)
    assert known.json() == {**unspin.check(text, fast=True, spun=True).to_dict(), "source": text, "format": "text"}


# --- the page in a real browser ------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(params=["desktop"])
def page(request, browser, server: str):
    """A page in a fresh context; every request it makes must go to the app (no CDN)."""
    viewport = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}[request.param]
    # The desktop reader has asked for less motion: clicks then never race the results' smooth
    # scroll into view, the suspected cause of session 18's rare failures of the keyboard test. The
    # phone keeps the smooth scroll.
    context = browser.new_context(base_url=server, permissions=["clipboard-read", "clipboard-write"],
                                  viewport=viewport, is_mobile=request.param == "phone",
                                  has_touch=request.param == "phone",
                                  reduced_motion="reduce" if request.param == "desktop" else "no-preference")
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    yield page
    context.close()
    assert requested and all(url.startswith((server, "blob:", "data:")) for url in requested), requested


def marks_with_their_originals(page) -> list[tuple[int, str, str]]:
    """(start, spun, original) of each highlight, the original read from its pop-over."""
    found = []
    for mark in page.locator("#doc mark.edit").all():
        mark.hover()
        page.locator("#pop").wait_for(state="visible")
        found.append((int(mark.get_attribute("data-start")), mark.inner_text(), page.inner_text("#pop-original")))
    return found


def test_paste_accept_by_keyboard_copy_and_download(page) -> None:
    source = SPUN[0]
    page.goto("/")
    page.fill("#input-text", source)
    page.click("#go")
    assert page.locator("#progress").is_visible()  # progress shows while it works
    page.locator("#doc mark.edit").first.wait_for(timeout=300_000)
    found = marks_with_their_originals(page)
    right = [i for i, (start, spun, original) in enumerate(found)
             if is_right(source, ORIGINAL[0], start, start + len(spun), original)]
    assert right, found
    target = right[0]
    start, spun, original = found[target]

    page.click("#reject-all")
    n = len(found)
    assert page.inner_text("#summary") == f"{n} suggested edit{'s' * (n > 1)} · 0 accepted · {n} rejected"
    page.focus("#download")
    for _ in range(target + 1):  # Tab walks from highlight to highlight
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.start") == str(start)
    page.keyboard.press("Enter")  # opens the pop-over on its Accept button
    assert page.evaluate("document.activeElement.id") == "pop-accept"
    assert page.inner_text("#pop-original") == original
    page.keyboard.press("Enter")
    accepted = page.locator(f'#doc mark[data-start="{start}"]')
    assert accepted.get_attribute("data-state") == "accepted" and accepted.inner_text() == original
    page.keyboard.press("Escape")  # closes the pop-over and gives focus back to the word
    page.locator("#pop").wait_for(state="hidden")
    assert page.evaluate("document.activeElement.dataset.start") == str(start)

    expected = source[:start] + original + source[start + len(spun):]
    page.click("#copy")
    # The page says so once its write to the clipboard is done (the write is asynchronous).
    page.locator("#summary", has_text="Restored text copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == expected
    with page.expect_download() as download:
        page.click("#download")
    assert Path(download.value.path()).read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_upload_a_pdf_on_a_phone(page) -> None:
    pdf = make_pdf(SPUN[:1])
    source = read_document(pdf, "story.pdf")
    page.goto("/")
    page.set_input_files("#input-file", files=[{"name": "story.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    page.locator("#doc mark.edit").first.wait_for(timeout=300_000)
    assert page.inner_text("#doc").startswith(source[:40])
    found = []
    for mark in page.locator("#doc mark.edit").all():
        mark.tap()
        pop = page.locator("#pop")
        pop.wait_for(state="visible")
        box = pop.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844 + 1
        mark_box = mark.bounding_box()
        assert mark_box["y"] + mark_box["height"] <= box["y"]  # the word stays in sight above the sheet
        found.append((int(mark.get_attribute("data-start")), mark.inner_text(), page.inner_text("#pop-original")))
        page.tap("#pop-close")
        pop.wait_for(state="hidden")
    assert any(is_right(source, ORIGINAL[0], start, start + len(spun), original) for start, spun, original in found)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.locator("#probability").filter(has_not_text="…").wait_for(timeout=300_000)  # the check has answered


def test_an_error_is_shown_with_a_way_on(page) -> None:
    from test_service import NOT_ENGLISH

    page.goto("/")
    page.fill("#input-text", NOT_ENGLISH)
    page.click("#go")
    error = page.locator("#error")
    error.wait_for(state="visible", timeout=60_000)
    assert "does not look like English" in error.inner_text()
    assert error.get_by_role("button", name="Restore anyway").is_visible()
    assert page.locator("#results").is_hidden() and page.locator("#progress").is_hidden()


def test_the_reader_can_say_the_text_was_spun(page, server: str) -> None:
    """The page's "I know this text was spun" box sends ``spun: true`` to the restore (the
    edits are those the API makes when told so), by its label, as a reader ticks it."""
    source = SPUN[1]
    told = httpx.post(f"{server}/v1/restore", json={"text": source, "spun": True}, timeout=300).json()["edits"]
    untold = httpx.post(f"{server}/v1/restore", json={"text": source}, timeout=300).json()["edits"]
    assert told and told != untold  # else the page could ignore the box and still pass
    page.goto("/")
    page.get_by_label("I know this text was spun").check()
    page.fill("#input-text", source)
    page.click("#go")
    page.locator("#doc mark.edit").first.wait_for(timeout=300_000)
    shown = [(start, spun) for start, spun, _ in marks_with_their_originals(page)]
    assert shown == [(e["start"], e["spun"]) for e in told]
