"""A class of five students on a real JupyterHub, each pulling the course with nbgitpuller.

Starts JupyterHub (with configurable-http-proxy) on 127.0.0.1 with the configuration an
instructor copies, ``teaching/jupyterhub_config.py`` (plus this test's own ports, folders and
admin token), then for five students at once, through the hub's REST API only:

1. the admin creates the student and a token for them; the student starts their server;
2. the student opens the nbgitpuller link, which clones a local bare clone of this repository
   (no network) into the student's own folder;
3. notebook 01 runs cell by cell in a kernel of the student's own server (REST + websocket, as
   JupyterLab does), and every cell must succeed, its asserts included.

Then a file one student writes must not be visible to any other student. It prints, per student,
the time from asking for a server to the first executed cell and the peak memory (RSS) of the
student's server process tree (server + kernel). Hub, proxy and every server are shut down at the
end, also when the test fails. Run with ``pytest -m hub tests/hub -s``.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

requests = pytest.importorskip("requests")
psutil = pytest.importorskip("psutil")
websocket = pytest.importorskip("websocket")  # websocket-client, a jupyter_server dependency

pytestmark = pytest.mark.hub

ROOT = Path(__file__).resolve().parents[2]
HUB_CONFIG = ROOT / "teaching" / "jupyterhub_config.py"
NOTEBOOK = "notebooks/01_recurrence_blowup.ipynb"
STUDENTS = [f"student{i}" for i in range(1, 6)]
TARGET = "rnn-course"  # the folder nbgitpuller clones into, in each student's home
BRANCH = "course"
HUB_START_TIMEOUT = 120
SERVER_START_TIMEOUT = 180
CELL_TIMEOUT = 300
SERVER_PORTS = range(18500, 18600)  # the students' servers' ports (teaching/jupyterhub_config.py)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need_or_skip(ok, why):
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)


class MemorySampler(threading.Thread):
    """Peak RSS of each student's server process tree, sampled every 0.2 s from /proc.

    Also remembers every process ever seen under the hub, so that the test can make sure
    none is left running at the end.
    """

    def __init__(self, hub_pid):
        super().__init__(daemon=True)
        self.hub = psutil.Process(hub_pid)
        self.peak = {}
        self.ports = {}  # user -> the TCP ports their server listens on
        self.seen = {}
        self.stop = threading.Event()

    def sample(self):
        try:
            procs = self.hub.children(recursive=True)
        except psutil.Error:
            return
        for p in procs:
            try:
                self.seen.setdefault(p.pid, p)
                user = p.environ().get("JUPYTERHUB_USER")
                if not user or p.parent().pid != self.hub.pid:
                    continue  # only the single-user servers themselves (the hub's children)
                tree = [p, *p.children(recursive=True)]
                for q in tree:
                    self.seen.setdefault(q.pid, q)
                rss = sum(q.memory_info().rss for q in tree if q.is_running())
                self.ports[user] = {c.laddr.port for c in p.net_connections("tcp")
                                    if c.status == psutil.CONN_LISTEN}
                self.peak[user] = max(self.peak.get(user, 0), rss)
            except psutil.Error:
                continue

    def run(self):
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(0.2)


def write_config(tmp, ports, admin_token):
    homes = tmp / "homes"
    homes.mkdir()
    cfg = tmp / "test_jupyterhub_config.py"
    cfg.write_text(
        f"""c = get_config()  # noqa
load_subconfig({str(HUB_CONFIG)!r})  # noqa: F821, the instructor's configuration
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {ports['public']}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {ports['hub']}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports['proxy_api']}"
c.ConfigurableHTTPProxy.pid_file = {str(tmp / 'proxy.pid')!r}
c.JupyterHub.db_url = "sqlite:///{tmp / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = {str(tmp / 'cookie_secret')!r}
c.JupyterHub.pid_file = {str(tmp / 'hub.pid')!r}
c.SimpleLocalProcessSpawner.home_dir_template = {str(homes / '{username}')!r}
c.DummyAuthenticator.password = {secrets.token_hex(8)!r}
c.JupyterHub.services = [{{"name": "course-admin", "api_token": {admin_token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "course-admin",
    "scopes": ["admin:users", "admin:servers", "tokens"],
    "services": ["course-admin"],
}}]
"""
    )
    return cfg, homes


def bare_clone(tmp):
    """A bare clone of this repository's committed HEAD, branch ``course``: what students pull."""
    bare = tmp / "rnn-course.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(ROOT), str(bare)], check=True)
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    subprocess.run(["git", "--git-dir", str(bare), "branch", "-f", BRANCH, head], check=True)
    return bare


def nbgitpuller_link(hub_url, user, repo, branch, notebook):
    """The link an instructor hands out (the student's server part of it)."""
    query = urllib.parse.urlencode(
        {"repo": repo, "branch": branch, "targetpath": TARGET,
         "urlpath": f"lab/tree/{TARGET}/{notebook}"}
    )
    return f"{hub_url}/user/{user}/git-pull?{query}"


def execute_notebook(base, token, user, nb_rel, on_disk):
    """Run every code cell of the notebook in a new kernel of ``user``'s server; cell timings."""
    headers = {"Authorization": f"token {token}"}
    folder = str(Path(TARGET) / Path(nb_rel).parent)
    r = requests.post(f"{base}/user/{user}/api/kernels", headers=headers,
                      json={"name": "python3", "path": folder}, timeout=60)
    assert r.status_code == 201, (user, r.status_code, r.text)
    kid = r.json()["id"]
    ws_url = base.replace("http://", "ws://") + f"/user/{user}/api/kernels/{kid}/channels"
    ws = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"],
                                     timeout=CELL_TIMEOUT)
    nb = nbformat.read(on_disk, as_version=4)  # the student's own pulled copy
    session = uuid.uuid4().hex
    errors, done_at = [], []
    try:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            msg_id = uuid.uuid4().hex
            ws.send(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": session,
                           "username": user, "version": "5.3"},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": cell.source, "silent": False, "store_history": True,
                            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
            }))
            reply = idle = None
            while reply is None or idle is None:
                msg = json.loads(ws.recv())
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["header"]["msg_type"]
                if kind == "error":
                    errors.append((index, msg["content"]["ename"], msg["content"]["evalue"]))
                elif kind == "stream" and msg["content"]["name"] == "stderr":
                    errors.append((index, "stderr", msg["content"]["text"][:300]))
                elif kind == "execute_reply":
                    reply = msg["content"]["status"]
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    idle = True
            done_at.append(time.monotonic())
            if reply != "ok":
                errors.append((index, "execute_reply", reply))
                break
    finally:
        ws.close()
        requests.delete(f"{base}/user/{user}/api/kernels/{kid}", headers=headers, timeout=30)
    return done_at, errors



def student_session(base, admin, user, repo, homes, nb_rel):
    """One student: token, server, nbgitpuller, notebook 01. Returns timings (s since t0)."""
    t0 = time.monotonic()
    r = requests.post(f"{base}/hub/api/users/{user}/tokens", headers=admin,
                      json={"note": "class test", "expires_in": 3600}, timeout=30)
    assert r.status_code in (200, 201), (user, r.status_code, r.text)
    token = r.json()["token"]
    mine = {"Authorization": f"token {token}"}
    r = requests.post(f"{base}/hub/api/users/{user}/server", headers=mine, timeout=60)
    assert r.status_code in (201, 202), (user, r.status_code, r.text)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        info = requests.get(f"{base}/hub/api/users/{user}", headers=mine, timeout=30).json()
        server = info.get("servers", {}).get("")
        if server and server.get("ready"):
            break
        assert time.monotonic() < deadline, f"{user}'s server did not start: {info}"
        time.sleep(0.5)
    t_ready = time.monotonic()

    link = nbgitpuller_link(base, user, repo, BRANCH, nb_rel)
    r = requests.get(link, headers=mine, timeout=60)  # the page the link opens
    assert r.status_code == 200 and "git-pull" in r.text, (user, r.status_code, r.text[:300])
    # The page's script streams the pull from git-pull/api with the same arguments.
    api = link.replace("/git-pull?", "/git-pull/api?", 1)
    phases = []
    with requests.get(api, headers=mine, stream=True, timeout=300) as r:
        assert r.status_code == 200, (user, r.status_code)
        for line in r.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                event = json.loads(line[5:])
                phases.append(event)
                if event.get("phase") in ("finished", "error"):
                    break
    assert phases and phases[-1]["phase"] == "finished", (user, phases[-3:])
    on_disk = homes / user / TARGET / nb_rel
    assert on_disk.is_file(), f"nbgitpuller did not put {nb_rel} into {user}'s folder"
    t_pulled = time.monotonic()

    done_at, errors = execute_notebook(base, token, user, nb_rel, on_disk)
    assert not errors, f"{user}: notebook 01 failed: {errors}"
    return {"token": token, "ready": t_ready - t0, "pulled": t_pulled - t0,
            "first_cell": done_at[0] - t0, "all_cells": done_at[-1] - t0, "cells": len(done_at)}


def test_five_students_pull_and_run_notebook_01(tmp_path):
    need_or_skip(shutil.which("configurable-http-proxy"),
                 "configurable-http-proxy not found (npm install -g configurable-http-proxy)")
    need_or_skip(shutil.which("git"), "git not found")
    pytest.importorskip("jupyterhub")
    pytest.importorskip("nbgitpuller")

    ports = {k: free_port() for k in ("public", "hub", "proxy_api")}
    admin_token = secrets.token_hex(32)
    cfg, homes = write_config(tmp_path, ports, admin_token)
    repo = bare_clone(tmp_path).as_uri()  # file:///…/rnn-course.git, no network
    base = f"http://127.0.0.1:{ports['public']}"
    admin = {"Authorization": f"token {admin_token}"}
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               COURSE_HUB_SERVER_PORTS=f"{SERVER_PORTS.start}-{SERVER_PORTS.stop - 1}")
    log = open(tmp_path / "hub.log", "w")
    hub = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(cfg)],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    sampler = MemorySampler(hub.pid)
    passed = False
    try:
        deadline = time.monotonic() + HUB_START_TIMEOUT
        while True:
            assert hub.poll() is None, "the hub exited:\n" + (tmp_path / "hub.log").read_text()
            try:
                if requests.get(f"{base}/hub/api/", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, (
                "the hub did not answer in time:\n" + (tmp_path / "hub.log").read_text()[-3000:])
            time.sleep(0.5)
        sampler.start()

        r = requests.post(f"{base}/hub/api/users", headers=admin,
                          json={"usernames": STUDENTS}, timeout=30)
        assert r.status_code == 201, (r.status_code, r.text)

        with ThreadPoolExecutor(len(STUDENTS)) as pool:
            futures = {u: pool.submit(student_session, base, admin, u, repo, homes, NOTEBOOK)
                       for u in STUDENTS}
            results = {u: f.result() for u, f in futures.items()}
        sampler.sample()

        # Each student's files are their own: a note written by one is seen by no other.
        first, *others = STUDENTS
        note = f"{TARGET}/my_notes.md"
        r = requests.put(f"{base}/user/{first}/api/contents/{note}",
                         headers={"Authorization": f"token {results[first]['token']}"},
                         json={"type": "file", "format": "text", "content": "only mine"},
                         timeout=30)
        assert r.status_code in (200, 201), (r.status_code, r.text)
        assert (homes / first / note).read_text() == "only mine"
        for u in others:
            theirs = {"Authorization": f"token {results[u]['token']}"}
            r = requests.get(f"{base}/user/{u}/api/contents/{note}", headers=theirs, timeout=30)
            assert r.status_code == 404, (u, r.status_code)
            assert not (homes / u / note).exists()
            # and no student can reach another student's server
            r = requests.get(f"{base}/user/{first}/api/contents/{note}", headers=theirs,
                             timeout=30, allow_redirects=False)
            assert r.status_code in (302, 403), (u, r.status_code)
        assert len({(homes / u).resolve() for u in STUDENTS}) == len(STUDENTS)
        # every student's server loaded the course's server extension (teaching/course_jupyter:
        # kernel messages awaited in slices); the servers log to the hub's output
        log.flush()
        loaded = (tmp_path / "hub.log").read_text().count("course_jupyter (server extension)")
        assert loaded >= len(STUDENTS), (
            f"course_jupyter was loaded by {loaded} of {len(STUDENTS)} servers:\n"
            + (tmp_path / "hub.log").read_text()[-3000:])

        print(f"\n{len(STUDENTS)} students at once, notebook 01 ({results[first]['cells']} code "
              f"cells), {os.cpu_count()} CPUs (times include the load of anything else running):")
        print(f"{'student':10} {'server ready':>12} {'pulled':>8} {'1st cell':>9} "
              f"{'all cells':>10} {'peak RSS':>9} {'port':>6}")
        for u in STUDENTS:
            t = results[u]
            print(f"{u:10} {t['ready']:11.1f}s {t['pulled']:7.1f}s {t['first_cell']:8.1f}s "
                  f"{t['all_cells']:9.1f}s {sampler.peak.get(u, 0) / 2**20:6.0f} MiB "
                  f"{','.join(map(str, sorted(sampler.ports.get(u, ())))):>6}")
        assert set(sampler.peak) == set(STUDENTS), f"no memory sample for some: {sampler.peak}"
        # every server listened on a port of its own, from the range the configuration gives
        # (course_jupyter.ports.ServerPorts; JupyterHub's own choice once gave two the same)
        ports = [sampler.ports.get(u, set()) for u in STUDENTS]
        assert all(len(p) == 1 for p in ports), f"listening ports per server: {sampler.ports}"
        assert len(set().union(*ports)) == len(STUDENTS), f"servers share ports: {sampler.ports}"
        assert set().union(*ports) <= set(SERVER_PORTS), (sampler.ports, SERVER_PORTS)
        passed = True
    finally:
        sampler.stop.set()
        if hub.poll() is None:
            hub.send_signal(signal.SIGTERM)  # the hub stops every server and the proxy
            try:
                hub.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(hub.pid, signal.SIGKILL)
                hub.wait(10)
        for p in list(sampler.seen.values()):
            try:
                if p.is_running():
                    p.kill()
            except psutil.Error:
                pass
        proxy_pid = tmp_path / "proxy.pid"
        if proxy_pid.exists():
            try:
                psutil.Process(int(proxy_pid.read_text())).kill()
            except (psutil.Error, ValueError):
                pass
        log.close()
        if not passed:  # what the hub and the servers said went wrong, for the CI log
            lines = (tmp_path / "hub.log").read_text().splitlines()
            print("\n".join(["hub.log, its errors:", *[ln for ln in lines if ln[:3] in
                                                       ("[E ", "[C ")],
                             "hub.log, its end:", *lines[-60:]]))
