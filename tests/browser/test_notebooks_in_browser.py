"""Every notebook, as a student uses it: opened in JupyterLab in a real (headless) Chromium,
run with *Run > Run All Cells*, every explorer's controls moved and its figure redrawn.

nbval runs kernels without a browser; it cannot see a widget that fails to render
("Error displaying widget"), an ipywidgets/JupyterLab version mismatch (the widget shows as
text), or a slider that changes nothing. This test can.

Run it with ``python -m pytest -m browser tests/browser`` (it is left out of the plain
``pytest`` run). It needs Playwright (``requirements.txt``) and Debian's Chromium
(``apt-get install chromium``); without either it is skipped (under ``CI`` it fails
instead). Screenshots of every explorer
before and after its controls moved go to ``tests/browser_screenshots/``.

For every notebook ``notebooks/NN_*.ipynb`` (found when the test is collected):

1. open it in a fresh JupyterLab workspace; no dialog and no notification may cover it;
2. *Edit > Clear Outputs of All Cells*, then *Run > Run All Cells*; wait until every
   non-empty code cell has an execution count, in cell order, and the kernel is idle;
3. no cell shows an error or any stderr output (except cells tagged ``raises-exception``),
   no widget failed to render ("Error displaying widget", "Model not found", or a widget
   shown as its text repr), and every cell that holds an explorer in the committed
   notebook holds one now;
4. for every explorer (a VBox of a control row and an output holding the figure): each
   slider is moved one step with the arrow keys and each dropdown set to another option;
   if the explorer has a button it is clicked; after each change the figure (the ``<img>``
   of its output) must change and no traceback may appear.
"""

import json
import os
import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# BROWSER_TEST_NOTEBOOKS=/some/folder runs the test on that folder's notebooks instead.
NOTEBOOKS = Path(os.environ.get("BROWSER_TEST_NOTEBOOKS") or ROOT / "notebooks")
SCREENSHOTS = ROOT / "tests" / "browser_screenshots"

pytestmark = pytest.mark.browser

LOAD_TIMEOUT_MS = 120_000  # the notebook opened and its kernel idle
RUN_ALL_TIMEOUT_MS = 300_000  # Run All Cells finished
WIDGET_LOAD_TIMEOUT_MS = 30_000  # a widget view shown after its cell ran
REDRAW_TIMEOUT_MS = 120_000  # one explorer redraw (training explorers take a while)
SETTLE_S = 0.5

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STDERR = "application/vnd.jupyter.stderr"
WIDGET_ERRORS = re.compile(r"Error displaying widget|Model not found|model not found"
                           r"|Failed to (?:load|render|create) (?:widget|model|view)")
# A widget shown as its text repr means the JupyterLab widget manager did not render it.
WIDGET_AS_TEXT = re.compile(r"^\s*(?:VBox|HBox|Output|IntSlider|FloatSlider|Dropdown|Button)"
                            r"\(|<rnnlib\.widgets\.Explorer object at|^\s*Explorer\(")

NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))

# Every cell of the open notebook, in order (conftest.py sets the notebook windowing mode
# to "none", so every cell is in the page).
CELLS_JS = "() => [...document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')]"

EXPLORER = ".jp-Notebook .jp-Cell .widget-vbox:has(> .widget-hbox):has(> .widget-output)"


def load_cells(path):
    """(source, cell_type, tags, committed widget-view?) for every cell of the notebook."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = []
    for cell in nb["cells"]:
        source = "".join(cell.get("source", ""))
        tags = set(cell.get("metadata", {}).get("tags", []))
        has_widget = any(WIDGET_VIEW in out.get("data", {}) for out in cell.get("outputs", []))
        cells.append((source, cell["cell_type"], tags, has_widget))
    return cells


def shot(page_or_locator, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page_or_locator.screenshot(path=str(SCREENSHOTS / name))


def assert_nothing_covers(page, where):
    """No dialog and no notification toast (e.g. the Jupyter news prompt) is showing."""
    covering = page.evaluate(
        """() => [...document.querySelectorAll('.jp-Dialog, .Toastify__toast')]
                  .map(e => e.innerText.trim().slice(0, 300))"""
    )
    assert not covering, f"{where}: something covers the notebook: {covering}"


def kernel_status(page):
    return page.evaluate(
        "() => document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status"
        " ?? 'missing'"
    )


def wait_for_kernel(page, name):
    """Wait until the notebook's kernel has started and is idle (the status bar reads
    "<kernel name> | Idle", not "No Kernel | Initializing")."""
    try:
        page.wait_for_function(
            """() => {
                const bar = document.querySelector('#jp-main-statusbar')?.innerText ?? '';
                const status = document.querySelector('.jp-Notebook-ExecutionIndicator')
                    ?.dataset.status;
                return status === 'idle' && /\\| Idle/.test(bar) && !bar.includes('No Kernel');
            }""",
            timeout=LOAD_TIMEOUT_MS,
            polling=250,
        )
    except Exception as exc:  # Playwright's TimeoutError
        bar = page.evaluate("() => document.querySelector('#jp-main-statusbar')?.innerText")
        shot(page, f"{Path(name).stem}_00_no_kernel.png")
        raise AssertionError(f"{name}: no idle kernel within {LOAD_TIMEOUT_MS // 1000} s; "
                             f"status bar: {bar!r}") from exc


def open_in_lab(context, server, workspace, name):
    """Open notebook ``name`` in a fresh JupyterLab workspace (exactly one notebook tab,
    nothing restored) on a new page, wait for its kernel and for the app's start-up
    notifications. Returns (page, page errors: a list that grows as errors happen)."""
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{server.url}/lab/workspaces/{workspace}/tree/{name}?token={server.token}")
        wait_for_kernel(page, name)
        time.sleep(1.0)  # notifications are emitted once the app is restored
    except BaseException:
        try:
            page.close()
        finally:
            server.shutdown_kernels()
        raise
    return page, errors


def click_menu(page, menu, command):
    """Open a menu of the menu bar and click the item that runs ``command``."""
    page.get_by_role("menuitem", name=menu, exact=True).click()
    page.locator(f"li.lm-Menu-item[data-command='{command}']").click()


PROMPTS_JS = CELLS_JS + (".map(c => (c.querySelector('.jp-InputPrompt')?.textContent ?? '')"
                         ".trim())")


def wait_until_executed(page, code_indices, timeout_ms):
    """After Run All Cells: wait until execution started, then until no cell is queued or
    running (``[*]``) and the kernel is idle, or the kernel died, or a dialog opened.
    Return (prompts of all cells, kernel status)."""
    if not code_indices:
        return page.evaluate(PROMPTS_JS), kernel_status(page)
    page.wait_for_function(
        """([indices]) => {
            if (document.querySelector('.jp-Dialog')) return true;
            const cells = [...document.querySelectorAll(
                '.jp-NotebookPanel .jp-Notebook .jp-Cell')];
            return indices.some(i => /^\\[(\\*|\\d+)\\]:$/.test(
                (cells[i]?.querySelector('.jp-InputPrompt')?.textContent ?? '').trim()));
        }""",
        arg=[code_indices],
        timeout=timeout_ms,
        polling=100,
    )
    finished = """() => {
        if (document.querySelector('.jp-Dialog')) return true;
        const status = document.querySelector('.jp-Notebook-ExecutionIndicator')
            ?.dataset.status;
        if (['dead', 'autorestarting', 'restarting', 'terminating'].includes(status)) {
            return true;
        }
        const prompts = [...document.querySelectorAll(
            '.jp-NotebookPanel .jp-Notebook .jp-Cell .jp-InputPrompt')];
        return status === 'idle' && !prompts.some(p => p.textContent.includes('*'));
    }"""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        remaining = max(1000, int((deadline - time.monotonic()) * 1000))
        try:
            page.wait_for_function(finished, timeout=remaining, polling=250)
        except Exception as exc:  # Playwright's TimeoutError
            raise AssertionError(
                f"Run All Cells did not finish within {timeout_ms // 1000} s; kernel "
                f"{kernel_status(page)!r}, prompts {page.evaluate(PROMPTS_JS)}") from exc
        time.sleep(SETTLE_S)  # let the last outputs (widget views) render
        if page.evaluate(finished):  # still finished: not a gap between two cells
            break
    return page.evaluate(PROMPTS_JS), kernel_status(page)


def image_src(box):
    return box.evaluate("b => b.querySelector(':scope > .widget-output img')?.src ?? null")


def explorer_errors(box):
    return box.evaluate(
        f"""b => [...b.querySelectorAll(':scope > .widget-output [data-mime-type="{STDERR}"]')]
                 .map(e => e.innerText)"""
    )


def wait_for_redraw(page, box, old_src, what):
    """Wait until the explorer's figure differs from old_src (or an error shows)."""
    try:
        page.wait_for_function(
            f"""([b, old]) => {{
                const out = b.querySelector(':scope > .widget-output');
                if (out.querySelector('[data-mime-type="{STDERR}"]')) return true;
                const img = out.querySelector('img');
                return img !== null && img.complete && img.src !== old;
            }}""",
            arg=[box.element_handle(), old_src],
            timeout=REDRAW_TIMEOUT_MS,
            polling=200,
        )
    except Exception as exc:  # Playwright's TimeoutError
        raise AssertionError(f"{what}: the figure did not change within "
                             f"{REDRAW_TIMEOUT_MS // 1000} s") from exc
    errors = explorer_errors(box)
    assert not errors, f"{what}: the explorer shows an error:\n{errors[0][-2000:]}"
    time.sleep(0.2)
    new_src = image_src(box)
    assert new_src and new_src != old_src, f"{what}: the figure did not change"
    return new_src


def slider_state(slider):
    """What shows a slider's position: its value, its readout and its handle's offset
    (a readout such as "0.02" may hide a step of 0.005)."""
    return slider.evaluate(
        """s => [s.querySelector('.noUi-handle').getAttribute('aria-valuenow'),
                 s.querySelector('.widget-readout').innerText,
                 s.querySelector('.noUi-origin').style.transform]"""
    )


def wait_for_slider_move(slider, before, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if slider_state(slider) != before:
            return True
        time.sleep(0.05)
    return False


def move_slider(page, slider, what):
    """Move a slider one step as a student would: focus its handle and press an arrow key
    (away from the end it sits at). Should the handle not move, click it and press again,
    then drag it with the mouse. Return "" or a note naming the fallback used."""
    handle = slider.locator(".noUi-handle")
    handle.scroll_into_view_if_needed()
    value = float(handle.get_attribute("aria-valuenow"))
    at_max = value >= float(handle.get_attribute("aria-valuemax"))
    key = "ArrowLeft" if at_max else "ArrowRight"
    before = slider_state(slider)
    handle.focus()
    handle.press(key)
    if wait_for_slider_move(slider, before, 3):
        return ""
    handle.click()
    handle.press(key)
    if wait_for_slider_move(slider, before, 3):
        return " (arrow key after a click)"
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + (-30 if at_max else 30), y, steps=5)
    page.mouse.up()
    if wait_for_slider_move(slider, before, 3):
        return " (mouse drag)"
    active = page.evaluate("() => document.activeElement?.className ?? null")
    raise AssertionError(f"{what} did not move on {key}, nor when dragged; state {before}, "
                         f"focused element {active!r}")


def click_run(box, button, src, label):
    """With a Run button, the figure must not change until the button is clicked: wait,
    check, click. Without one, do nothing (the figure redraws by itself)."""
    if button is None:
        return
    time.sleep(SETTLE_S)
    assert image_src(box) == src, f"{label}: the figure changed before the button was clicked"
    button.click()


def exercise_explorer(page, box, label):
    """Move every slider of one explorer and switch every dropdown; after each change
    (and a click on its button, if it has one) the figure must change."""
    controls = box.locator(":scope > .widget-hbox")
    sliders = controls.locator(".widget-slider")
    dropdowns = controls.locator(".widget-dropdown select")
    buttons = controls.locator("button.widget-button")
    n_sliders, n_dropdowns, n_buttons = sliders.count(), dropdowns.count(), buttons.count()
    assert n_sliders + n_dropdowns > 0, f"{label}: an explorer without controls"
    assert n_buttons <= 1, f"{label}: {n_buttons} buttons in one explorer"
    button = buttons.first if n_buttons else None

    src = image_src(box)
    assert src, f"{label}: the explorer shows no figure after Run All"
    assert not explorer_errors(box), f"{label}: the explorer shows an error after Run All"
    box.scroll_into_view_if_needed()
    shot(box, f"{label}_before.png")
    moved = []

    for j in range(n_sliders):
        slider = sliders.nth(j)
        name = slider.locator(".widget-label").inner_text().strip() or f"slider {j}"
        before_text = slider.locator(".widget-readout").inner_text().strip()
        how = move_slider(page, slider, f"{label}: slider {name!r}")
        after_text = slider.locator(".widget-readout").inner_text().strip()
        click_run(box, button, src, label)
        src = wait_for_redraw(page, box, src, f"{label}, slider {name!r} "
                              f"{before_text} -> {after_text}")
        moved.append(f"{name}: {before_text} -> {after_text}{how}")

    for j in range(n_dropdowns):
        select = dropdowns.nth(j)
        name = box.locator(":scope > .widget-hbox .widget-dropdown").nth(j) \
            .locator(".widget-label").inner_text().strip() or f"dropdown {j}"
        options = select.locator("option").all_inner_texts()
        if len(options) < 2:
            continue
        current = select.evaluate("s => s.selectedIndex")
        target = (current + 1) % len(options)
        select.select_option(index=target)
        click_run(box, button, src, label)
        src = wait_for_redraw(page, box, src, f"{label}, dropdown {name!r} "
                              f"{options[current]} -> {options[target]}")
        moved.append(f"{name}: {options[current]} -> {options[target]}")

    box.scroll_into_view_if_needed()
    shot(box, f"{label}_after.png")
    return moved


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=[p.stem for p in NOTEBOOK_FILES])
def test_notebook_in_browser(path, lab_server, browser_context):
    name = path.name
    stem = path.stem
    cells = load_cells(lab_server.root / name)
    code_indices = [i for i, (src, kind, _, _) in enumerate(cells)
                    if kind == "code" and src.strip()]
    expected_explorers = [i for i, c in enumerate(cells) if c[3]]

    for old in SCREENSHOTS.glob(f"{stem}_*.png"):
        old.unlink()
    started = time.monotonic()
    page, console_errors = open_in_lab(browser_context, lab_server, f"browser-{stem}", name)
    try:
        assert page.locator(".jp-NotebookPanel").count() == 1
        assert_nothing_covers(page, f"{name} on opening")
        shot(page, f"{stem}_00_opened.png")

        dom_cells = page.evaluate(CELLS_JS + ".length")
        assert dom_cells == len(cells), (f"{name}: JupyterLab shows {dom_cells} cells, "
                                         f"the file has {len(cells)}")

        # Start from blank outputs so that every count and output seen below is new.
        click_menu(page, "Edit", "editmenu:clear-all")
        stale = [i for i, p in enumerate(page.evaluate(PROMPTS_JS))
                 if i in code_indices and p not in ("[ ]:", "")]
        assert not stale, f"{name}: cells {stale} kept their counts after Clear All Outputs"
        run_started = time.monotonic()
        click_menu(page, "Run", "runmenu:run-all")
        prompts, status = wait_until_executed(page, code_indices, RUN_ALL_TIMEOUT_MS)
        run_seconds = time.monotonic() - run_started
        assert_nothing_covers(page, f"{name} after Run All Cells")
        assert status == "idle", f"{name}: kernel is {status!r} after Run All Cells"

        # A widget view whose model never arrives stays at "Loading widget..." for good.
        try:
            page.wait_for_function(
                """() => ![...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')]
                          .some(o => o.innerText.includes('Loading widget'))""",
                timeout=WIDGET_LOAD_TIMEOUT_MS, polling=250)
        except Exception:  # Playwright's TimeoutError: reported with the outputs below
            pass

        outputs = page.evaluate(
            CELLS_JS + """.map(c => [...c.querySelectorAll('.jp-OutputArea-output')]
                  .map(o => [o.dataset.mimeType ?? '', o.innerText ?? '']))"""
        )
        problems = []
        for i, cell_outputs in enumerate(outputs):
            tags = cells[i][2]
            for mime, text in cell_outputs:
                if mime == STDERR and "raises-exception" not in tags:
                    problems.append(f"cell {i}: stderr/error output:\n{text[-1500:]}")
                if "Loading widget" in text:
                    problems.append(f"cell {i}: widget still 'Loading widget...' after "
                                    f"{WIDGET_LOAD_TIMEOUT_MS // 1000} s")
                if WIDGET_ERRORS.search(text):
                    problems.append(f"cell {i}: widget failed to render: {text[:300]}")
                if mime == "text/plain" and WIDGET_AS_TEXT.search(text):
                    problems.append(f"cell {i}: widget shown as text, not rendered: "
                                    f"{text[:200]}")
        assert not problems, f"{name}:\n" + "\n".join(problems)

        not_run = [i for i in code_indices if not re.fullmatch(r"\[\d+\]:", prompts[i])]
        assert not not_run, (f"{name}: code cells {not_run} did not run "
                             f"(prompts {[prompts[i] for i in not_run]})")
        counts = [int(prompts[i][1:-2]) for i in code_indices]
        assert counts == sorted(counts) and len(set(counts)) == len(counts), \
            f"{name}: cells did not run once each, in order: execution counts {counts}"

        shot(page, f"{stem}_01_after_run_all.png")

        explorers = page.locator(EXPLORER)
        explorer_cells = explorers.evaluate_all(
            "bs => bs.map(b => [...document.querySelectorAll("
            "'.jp-NotebookPanel .jp-Notebook .jp-Cell')].indexOf(b.closest('.jp-Cell')))"
        )
        missing = sorted(set(expected_explorers) - set(explorer_cells))
        assert not missing, (f"{name}: cells {missing} hold an explorer in the committed "
                             f"notebook but show none after Run All Cells")

        report = []
        for k in range(explorers.count()):
            label = f"{stem}_explorer{k + 1}_cell{explorer_cells[k]}"
            t0 = time.monotonic()
            moved = exercise_explorer(page, explorers.nth(k), label)
            report.append(f"explorer {k + 1} (cell {explorer_cells[k]}): "
                          f"{'; '.join(moved)} ({time.monotonic() - t0:.1f} s)")

        assert not console_errors, f"{name}: uncaught errors in the page: {console_errors}"
        assert_nothing_covers(page, f"{name} after the explorers")
        assert not browser_context.blocked_urls, \
            f"the page tried to reach other hosts: {browser_context.blocked_urls}"
        print(f"\n{name}: Run All Cells {run_seconds:.1f} s, "
              f"{len(code_indices)} code cells, {explorers.count()} explorer(s), "
              f"total {time.monotonic() - started:.1f} s")
        for line in report:
            print("  " + line)
    finally:
        try:
            page.close()
        finally:
            lab_server.shutdown_kernels()


# -- an exercise notebook, as a student works through it ----------------------------------------

EXERCISE = "exercises/03_gradient_vanishing.ipynb"
EXERCISE_STUB = "def clip_grad_norm(grads, threshold):"
# What the student types into the stub cell: Pascanu et al. (2013), Algorithm 1 ...
CLIP_RIGHT = '''def clip_grad_norm(grads, threshold):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    scale = threshold / norm if norm >= threshold else 1.0
    return {k: g * scale for k, g in grads.items()}
'''
# ... and one of the mistakes the checker names: clipping each entry by value.
CLIP_BY_VALUE = '''def clip_grad_norm(grads, threshold):
    return {k: np.clip(g, -threshold, threshold) for k, g in grads.items()}
'''
CHECK_TIMEOUT_MS = 60_000


def run_cell(page, index, source=None):
    """Click into cell ``index``'s editor, replace its text by ``source`` if given (inserted
    as one piece, as a paste would, so that the editor's auto-indent does not re-indent it),
    and run it with Shift+Enter. Return the execution count it gets."""
    cell = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(index)
    editor = cell.locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    if source is not None:
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(source)
        typed = editor.evaluate("e => e.cmView?.view?.state.doc.toString() ?? e.innerText")
        assert typed.strip() == source.strip(), f"cell {index}: the editor holds {typed!r}"
    # The cell may show the count it was saved with, even the one this run will give it: wait
    # for the prompt to have shown [*] (a MutationObserver sees every change) and then a count.
    cell.evaluate("""c => {
        c.__ranBusy = false;
        const prompt = c.querySelector('.jp-InputPrompt');
        c.__busyObserver?.disconnect();
        c.__busyObserver = new MutationObserver(() => {
            if (prompt.textContent.trim() === '[*]:') c.__ranBusy = true;
        });
        c.__busyObserver.observe(prompt, {childList: true, characterData: true, subtree: true});
    }""")
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        """c => {
            const p = c.querySelector('.jp-InputPrompt')?.textContent.trim() ?? '';
            return c.__ranBusy && /^\\[\\d+\\]:$/.test(p);
        }""",
        arg=cell.element_handle(), timeout=CHECK_TIMEOUT_MS, polling=100)
    return cell


def cell_output(cell):
    return cell.evaluate("c => [...c.querySelectorAll('.jp-OutputArea-output')]"
                         ".map(o => o.innerText).join('\\n')")


def test_exercise_in_browser(lab_server, browser_context):
    """Open a student exercise notebook, type a right clip_grad_norm into its stub and see
    its check pass, then a wrong one (clipping by value) and see the check name that mistake.
    The server works on a copy of notebooks/; the tracked exercise file must stay as it is."""
    original = (NOTEBOOKS / EXERCISE).read_bytes()
    cells = load_cells(lab_server.root / EXERCISE)
    stub = next(i for i, (src, kind, _, _) in enumerate(cells)
                if kind == "code" and src.startswith(EXERCISE_STUB))
    assert "raise NotImplementedError" in cells[stub][0], f"{EXERCISE}: cell {stub} is no stub"
    check = stub + 1
    assert cells[check][0].strip() == "ex.check_clip_grad_norm(clip_grad_norm)", \
        f"{EXERCISE}: cell {check} is not the stub's check cell"
    imports = next(i for i, (src, kind, _, _) in enumerate(cells)
                   if kind == "code" and "from rnnlib import exercises as ex" in src)

    for old in SCREENSHOTS.glob("exercise_*.png"):
        old.unlink()
    started = time.monotonic()
    page, page_errors = open_in_lab(browser_context, lab_server, "browser-exercise", EXERCISE)
    try:
        assert_nothing_covers(page, f"{EXERCISE} on opening")
        assert page.evaluate(CELLS_JS + ".length") == len(cells)

        run_cell(page, imports)
        # The untouched stub: its check says it is not written yet, and fails.
        run_cell(page, stub)
        out = cell_output(run_cell(page, check))
        assert "all 3 checks right" not in out, f"the stub passed its check:\n{out}"

        run_cell(page, stub, CLIP_RIGHT)
        check_cell = run_cell(page, check)
        out = cell_output(check_cell)
        assert "clip_grad_norm" in out and "all 3 checks right" in out and "WRONG" not in out, \
            f"a right clip_grad_norm did not pass its check:\n{out}"
        check_cell.scroll_into_view_if_needed()
        shot(page, "exercise_03_clip_right.png")

        run_cell(page, stub, CLIP_BY_VALUE)
        check_cell = run_cell(page, check)
        out = cell_output(check_cell)
        assert "WRONG" in out and "that is clipping by value" in out, \
            f"clipping by value was not diagnosed as such:\n{out}"
        assert "all 3 checks right" not in out
        check_cell.scroll_into_view_if_needed()
        shot(page, "exercise_03_clip_by_value.png")

        assert not page_errors, f"uncaught errors in the page: {page_errors}"
        assert (NOTEBOOKS / EXERCISE).read_bytes() == original, \
            f"the tracked {EXERCISE} was changed"
        print(f"\n{EXERCISE}: right clip_grad_norm passed, clipping by value diagnosed "
              f"({time.monotonic() - started:.1f} s)")
    finally:
        try:
            page.close()
        finally:
            lab_server.shutdown_kernels()
