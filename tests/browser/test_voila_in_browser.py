"""Every notebook as a Voilà app, in a real headless Chromium.

For each notebook: start ``voila`` on 127.0.0.1 (random port, no browser) on a copy of
``notebooks/``, open the notebook's Voilà page, wait until it has rendered, check that it shows
markdown and no code, no error and no failed widget, that every explorer of the
notebook is there, and move one slider of each explorer: its figure must change. Screenshots of
the page and of each explorer before and after go to ``tests/browser_screenshots/voila_*``.
Run alone with ``pytest -m browser tests/browser -k voila``.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_notebooks_in_browser import (
    NOTEBOOK_FILES,
    WIDGET_AS_TEXT,
    WIDGET_ERRORS,
    image_src,
    load_cells,
    move_slider,
    shot,
    wait_for_redraw,
)

from conftest import NOTEBOOKS, free_loopback_port, loopback_context

pytestmark = pytest.mark.browser

VOILA_START_TIMEOUT = 120
# Voilà runs the whole notebook before the page is complete. The slowest, 05 (its training
# runs), rendered in 70 s on 2 shared, loaded cores (December 2026); 00-04 in under 30 s.
# Five times that: a loaded machine may be slower, a hung kernel still fails in 6 minutes.
RENDER_TIMEOUT_MS = 360_000
FONT_AWESOME_CDN = re.compile(r"https://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@")
EXPLORER = ".widget-vbox:has(> .widget-hbox):has(> .widget-output)"
# The page's visible text without its markdown (hidden for a moment): notebook 00's text names
# "Error displaying widget" and "Explorer(...)", what a student would see if widgets did not
# work; that must not count as a failed widget. Errors and widgets are in the outputs.
NOT_MARKDOWN_TEXT_JS = """() => {
    const md = [...document.querySelectorAll('.jp-RenderedMarkdown, .jp-MarkdownOutput')];
    const shown = md.map(e => e.style.display);
    md.forEach(e => { e.style.display = 'none'; });
    const text = document.body.innerText;
    md.forEach((e, i) => { e.style.display = shown[i]; });
    return text;
}"""
# What Voilà shows when a cell fails (show_tracebacks is off by default) or the kernel dies.
VOILA_ERRORS = ("There was an error when executing cell", "Traceback", "Kernel died",
                "Error:", "Exception")


@pytest.fixture(scope="module")
def voila_server(tmp_path_factory, playwright_api, chromium_path):
    """``voila`` serving a copy of notebooks/ on loopback; yields its base url; always stops it."""
    base = tmp_path_factory.mktemp("voila")
    root = base / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for sub in ("config", "runtime"):
        (base / sub).mkdir()
    port = free_loopback_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(base / "config"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"), PYTHONDONTWRITEBYTECODE="1",
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    # the `voila` command as an instructor runs it: the course's voila.py config file (installed
    # into <prefix>/etc/jupyter by requirements.txt) makes it await kernel messages in slices
    cmd = [str(Path(sys.executable).with_name("voila")), str(root),
           "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
           "--ServerApp.allow_root=True"]
    log_path = base / "voila.log"
    log = open(log_path, "wb")  # noqa: SIM115 (closed in finally)
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + VOILA_START_TIMEOUT
        while True:
            assert proc.poll() is None, f"voila exited:\n{log_path.read_text()[-3000:]}"
            try:
                urllib.request.urlopen(url + "/voila/tree", timeout=2)
                break
            except (urllib.error.URLError, OSError):
                assert time.monotonic() < deadline, \
                    f"voila did not answer:\n{log_path.read_text()[-3000:]}"
                time.sleep(0.5)
        assert "kernel messages are awaited in 1 s slices" in log_path.read_text(), (
            "voila did not read the course's voila.py config (teaching/course_jupyter): "
            f"reinstall requirements.txt\n{log_path.read_text()[-3000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # voila and its kernels
            proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # any kernel left in the group
        log.close()


@pytest.fixture(scope="module")
def voila_context(tmp_path_factory, playwright_api, chromium_path, voila_server):
    """A headless Chromium whose pages may reach only the voila server."""
    with loopback_context(playwright_api, chromium_path,
                          tmp_path_factory.mktemp("chromium-profile-voila"),
                          voila_server) as context:
        yield context


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebook_as_voila_app(path, voila_server, voila_context):
    cells = load_cells(path)
    # The notebooks' convention: a code cell that shows a widget starts with NBVAL_IGNORE_OUTPUT
    # (the committed outputs need not hold the widget views).
    n_explorers = sum(1 for source, kind, _, has_widget in cells if kind == "code"
                      and (has_widget or source.startswith("# NBVAL_IGNORE_OUTPUT")))
    page = voila_context.new_page()
    console_errors = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    started = time.monotonic()
    try:
        page.goto(f"{voila_server}/voila/render/{path.name}", timeout=RENDER_TIMEOUT_MS)
        # Voilà streams the page while the kernel runs; it is complete when the spinner is gone
        # and every widget has been rendered.
        page.wait_for_function(
            """() => document.readyState === 'complete'
                     && !document.querySelector('#loading, .voila-spinner')""",
            timeout=RENDER_TIMEOUT_MS, polling=500)
        if n_explorers:
            page.wait_for_function(f"n => document.querySelectorAll('{EXPLORER}').length >= n",
                                   arg=n_explorers, timeout=RENDER_TIMEOUT_MS, polling=500)
        time.sleep(1)
        rendered_seconds = time.monotonic() - started
        text = page.evaluate(NOT_MARKDOWN_TEXT_JS)
        shot(page, f"voila_{path.stem}.png")
        for bad in VOILA_ERRORS:
            assert bad not in text, f"{path.name}: the Voilà page shows {bad!r}:\n{text[-2000:]}"
        assert not WIDGET_ERRORS.search(text), f"{path.name}: a widget failed to render"
        assert not any(WIDGET_AS_TEXT.search(line) for line in text.splitlines()), \
            f"{path.name}: a widget is shown as text"
        code_lines = {line.strip() for source, kind, _, _ in cells if kind == "code"
                      for line in source.splitlines()
                      if len(line.strip()) > 15 and not line.strip().startswith("#")}
        visible = page.inner_text("body")
        shown = [line for line in code_lines if line in visible]
        assert code_lines and not shown, f"{path.name}: the Voilà page shows code: {shown[:3]}"
        assert page.locator(".cm-editor:visible, .jp-CodeMirrorEditor:visible").count() == 0, \
            f"{path.name}: the Voilà page shows a code editor"
        assert page.locator(".jp-RenderedMarkdown, .jp-MarkdownOutput").count() > 0, \
            f"{path.name}: no markdown rendered"
        n_figures = page.locator(".jp-OutputArea-output img").count()
        assert n_figures > 0, f"{path.name}: no figure on the page"

        explorers = page.locator(EXPLORER)
        assert explorers.count() == n_explorers, \
            f"{path.name}: {explorers.count()} explorers on the page, {n_explorers} committed"
        moved = []
        for k in range(explorers.count()):
            box = explorers.nth(k)
            label = f"voila_{path.stem}_explorer{k + 1}"
            sliders = box.locator(":scope > .widget-hbox .widget-slider")
            src = image_src(box)
            assert src, f"{label}: no figure"
            box.scroll_into_view_if_needed()
            shot(box, f"{label}_before.png")
            if sliders.count() == 0:
                moved.append(f"explorer {k + 1}: no slider (dropdowns only)")
                continue
            slider = sliders.first
            name = slider.locator(".widget-label").inner_text().strip()
            how = move_slider(page, slider, f"{label}: slider {name!r}")
            buttons = box.locator(":scope > .widget-hbox button.widget-button")
            if buttons.count():
                buttons.first.click()
            wait_for_redraw(page, box, src, f"{label}, slider {name!r}")
            box.scroll_into_view_if_needed()
            shot(box, f"{label}_after.png")
            moved.append(f"explorer {k + 1}: {name} moved{how}, figure changed")
        widget_console = [m for m in console_errors if WIDGET_ERRORS.search(m)]
        assert not widget_console, f"{path.name}: widget errors in the console: {widget_console}"
        # Voilà's page template links Font Awesome's CSS from a CDN (icons only); the guard
        # aborts those requests, nothing else may try to leave loopback.
        blocked = [u for u in voila_context.blocked_urls if not FONT_AWESOME_CDN.match(u)]
        assert not blocked, f"requests left loopback: {blocked}"
        print(f"\n{path.name}: rendered in {rendered_seconds:.0f} s, {n_figures} figures, "
              + "; ".join(moved or ["no explorer"]))
    finally:
        page.close()
