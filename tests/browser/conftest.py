"""Fixtures for the real-browser test: a JupyterLab server and a headless Chromium.

Both talk only to loopback (127.0.0.1). The server runs on a *copy* of ``notebooks/`` in a
temporary folder (JupyterLab autosaves; the tracked notebooks are never touched), with its
news and update checks switched off, its own settings, workspaces, config and runtime
folders, and a random token. Both are shut down at the end, also when a test fails.

The browser is Debian's Chromium (``apt-get install chromium``), driven by Playwright for
Python; Playwright's own browser download is not used. Set ``CHROMIUM`` to the path of
another Chromium binary to use that one instead.
"""

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# BROWSER_TEST_NOTEBOOKS=/some/folder runs the test on that folder's notebooks instead.
NOTEBOOKS = Path(os.environ.get("BROWSER_TEST_NOTEBOOKS") or ROOT / "notebooks")

SERVER_START_TIMEOUT = 120  # seconds until /api/status answers
SERVER_STOP_TIMEOUT = 30

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # we may run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    # Resolve no host name but the loopback address: nothing can leave the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

# User settings written into the server's fresh settings folder. ``fetchNews: "false"`` is
# what stops the "Would you like to get notified about official Jupyter news?" toast
# (``--LabApp.news_url=None`` only stops the server from fetching the feed).
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    # Attach every cell to the page (the default lazily attaches long notebooks' cells), so
    # that the test sees each cell and output and can map them to the file's cells.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
    },
}


def find_chromium():
    """Path of a Chromium binary, or None."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def free_loopback_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """A running ``jupyter lab``: its base url, token and the folder it serves."""

    def __init__(self, url, token, root, log_path):
        self.url = url
        self.token = token
        self.root = root
        self.log_path = log_path

    def api(self, method, path, timeout=10):
        """Call the server's REST API (loopback only); return the decoded JSON or None."""
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """Shut down every running kernel (and its session)."""
        for session in self.api("GET", "/api/sessions") or []:
            with contextlib.suppress(urllib.error.URLError, OSError):
                self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)
        for kernel in self.api("GET", "/api/kernels") or []:
            with contextlib.suppress(urllib.error.URLError, OSError):
                self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)

    def log_tail(self, n=40):
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])


def missing(reason):
    """Skip, except in CI (``CI`` set, as .ci/run has it), where a skipped browser test
    would hide a missing install: there it fails."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_api():
    """Playwright's sync API; skips the browser tests if Playwright is not installed."""
    try:
        import playwright.sync_api as sync_api
    except ImportError:
        missing("Playwright is not installed: pip install -r requirements.txt")
    return sync_api


@pytest.fixture(scope="session")
def chromium_path():
    path = find_chromium()
    if path is None:
        missing("Chromium not found: apt-get install chromium (or set CHROMIUM=/path)")
    return path


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory, playwright_api, chromium_path):
    """Start ``jupyter lab`` on a copy of notebooks/; yield a LabServer; always stop it."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = base / "user-settings"
    for rel, values in USER_SETTINGS.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    for sub in ("workspaces", "config", "runtime"):
        (base / sub).mkdir()

    port = free_loopback_port()
    token = secrets.token_hex(24)
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(base / "config"),  # no personal jupyter_server_config
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
        PYTHONDONTWRITEBYTECODE="1",
    )
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    cmd = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.allow_root=True",
        "--ServerApp.terminals_enabled=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
    ]
    log_path = base / "jupyter-lab.log"
    log = open(log_path, "wb")  # noqa: SIM115 (closed in finally)
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    server = LabServer(url, token, root, log_path)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with code {proc.returncode}:\n"
                            f"{server.log_tail()}")
            try:
                server.api("GET", "/api/status", timeout=2)
                break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer within {SERVER_START_TIMEOUT} s:"
                                f"\n{server.log_tail()}")
                time.sleep(0.5)
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.shutdown_kernels()
        with contextlib.suppress(Exception):
            server.api("POST", "/api/shutdown", timeout=10)
        try:
            proc.wait(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                # The server and its kernels share the process group we started.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


@contextlib.contextmanager
def loopback_context(playwright_api, chromium_path, profile, origin):
    """A headless Chromium (fresh profile in ``profile``) whose pages may reach only
    ``origin`` (e.g. "http://127.0.0.1:8888") and data: URLs. Any other request is aborted
    and recorded in ``context.blocked_urls``."""
    blocked = []
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000}, timeout=60_000)
        try:
            def guard(route):
                url = route.request.url
                if url.startswith(origin + "/") or url.startswith("data:"):
                    route.continue_()
                else:
                    blocked.append(url)
                    route.abort()

            context.route("**/*", guard)
            context.blocked_urls = blocked
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory, playwright_api, chromium_path, lab_server):
    """A headless Chromium whose pages may reach only the lab server (see
    :func:`loopback_context`)."""
    with loopback_context(playwright_api, chromium_path,
                          tmp_path_factory.mktemp("chromium-profile"), lab_server.url) as context:
        yield context
