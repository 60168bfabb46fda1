"""teaching/course_jupyter: kernel messages awaited in slices survive a missed zmq wake-up,
and every Jupyter server of the course (Jupyter Server and so JupyterLab, JupyterHub's
single-user servers and the Voila they serve; the stand-alone voila) applies it."""

import asyncio
import json
import re
import runpy
import subprocess
import sys
import time
from pathlib import Path
from queue import Empty

import course_jupyter
import pytest
from course_jupyter import kernel_channels
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_core.paths import jupyter_config_path

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def calls(monkeypatch):
    calls = []

    async def missing_first_wakeup(self, timeout=None):
        """A message that is queued but whose first wait misses it (as under load)."""
        calls.append(timeout)
        if len(calls) == 1:
            await asyncio.sleep(timeout)
            raise Empty
        return {"msg": len(calls)}

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", missing_first_wakeup)
    return calls


def test_a_missed_wakeup_costs_one_slice_not_the_whole_wait(calls):
    kernel_channels.poll_in_slices(slice_s=0.05)
    kernel_channels.poll_in_slices(slice_s=0.05)  # again: still one layer of slices
    started = time.monotonic()
    msg = asyncio.run(AsyncZMQSocketChannel.get_msg(object(), timeout=None))
    assert msg == {"msg": 2}
    assert calls == [0.05, 0.05]
    assert time.monotonic() - started < 1.0


def test_empty_still_comes_at_the_deadline(calls, monkeypatch):
    async def never(self, timeout=None):
        await asyncio.sleep(timeout)
        raise Empty

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", never)
    kernel_channels.poll_in_slices(slice_s=0.05)
    started = time.monotonic()
    with pytest.raises(Empty):
        asyncio.run(AsyncZMQSocketChannel.get_msg(object(), timeout=0.2))
    assert 0.2 <= time.monotonic() - started < 1.0


def test_the_last_slice_ends_at_the_deadline(calls, monkeypatch):
    waits = []

    async def never(self, timeout=None):
        waits.append(timeout)
        await asyncio.sleep(timeout)
        raise Empty

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", never)
    kernel_channels.poll_in_slices(slice_s=0.05)
    with pytest.raises(Empty):
        asyncio.run(AsyncZMQSocketChannel.get_msg(object(), timeout=0.12))
    assert waits[:2] == [0.05, 0.05] and 0.001 <= waits[2] < 0.05 and len(waits) <= 4


def test_a_negative_timeout_waits_for_good_as_zmq_reads_it(calls):
    kernel_channels.poll_in_slices(slice_s=0.05)
    assert asyncio.run(AsyncZMQSocketChannel.get_msg(object(), timeout=-1)) == {"msg": 2}
    assert calls == [0.05, 0.05]


def test_a_slice_must_be_positive():
    for bad in (0, -1.0, None, "1"):
        with pytest.raises(ValueError, match="slice_s must be a positive number of seconds"):
            kernel_channels.poll_in_slices(slice_s=bad)


class _Log:
    def __init__(self):
        self.lines = []

    def info(self, line):
        self.lines.append(line)


def test_the_server_extension_and_the_voila_config_apply_the_slices(calls):
    assert not hasattr(AsyncZMQSocketChannel.get_msg, "unsliced")
    app = type("ServerApp", (), {"log": _Log()})()
    assert course_jupyter._jupyter_server_extension_points() == [{"module": "course_jupyter"}]
    course_jupyter._load_jupyter_server_extension(app)
    assert hasattr(AsyncZMQSocketChannel.get_msg, "unsliced")
    assert "1 s slices" in app.log.lines[0]


def _installed(relative):
    """The course's config file as pip installed it: in this environment's
    <prefix>/etc/jupyter, which is on every Jupyter application's config path."""
    prefix_dir = Path(sys.prefix) / "etc" / "jupyter"
    assert str(prefix_dir) in [str(Path(d)) for d in jupyter_config_path()]
    path = prefix_dir / relative
    assert path.is_file(), f"{path} is missing: pip install -r requirements.txt installs it"
    return path


def test_requirements_install_the_config_that_enables_it(calls, capsys):
    enabled = json.loads(_installed("jupyter_server_config.d/course_jupyter.json").read_text())
    assert enabled == {"ServerApp": {"jpserver_extensions": {"course_jupyter": True}}}
    runpy.run_path(str(_installed("voila.py")))  # what the stand-alone voila reads at start
    assert hasattr(AsyncZMQSocketChannel.get_msg, "unsliced")
    assert "(voila.py config): kernel messages are awaited in 1 s slices" in (
        capsys.readouterr().err)


def test_voila_reads_the_installed_config(calls):
    from voila.app import Voila

    app = Voila()
    app.load_config_file("voila", path=app.config_file_paths)  # as Voila.initialize does
    assert hasattr(AsyncZMQSocketChannel.get_msg, "unsliced")


def test_the_installed_package_is_the_repositorys():
    """requirements.txt installs teaching/course_jupyter as a copy (not editable, so that
    its config files are installed): after an edit, reinstall it (pip install -r
    requirements.txt)."""
    source = ROOT / "teaching" / "course_jupyter"
    installed = Path(course_jupyter.__file__).parent
    for module in sorted((source / "course_jupyter").glob("*.py")):
        assert (installed / module.name).read_text() == module.read_text(), (
            f"the installed {module.name} differs from the repository's: reinstall it")
    config = source / "jupyter-config"
    for relative in ("voila.py", "jupyter_server_config.d/course_jupyter.json"):
        assert _installed(relative).read_text() == (config / relative).read_text(), (
            f"the installed {relative} differs from the repository's: reinstall it")


def test_jupyter_server_finds_and_enables_the_extension():
    listing = subprocess.run([sys.executable, "-m", "jupyter_server", "extension", "list"],
                             capture_output=True, text=True, timeout=120)
    text = re.sub(r"\x1b\[[0-9;]*m", "", listing.stdout + listing.stderr)  # no colours
    assert re.search(r"^\s*course_jupyter enabled\s*$", text, re.M), text
    assert re.search(r"^\s*course_jupyter\s+OK\s*$", text, re.M), text  # it imports


def _kernel_log(extra_arguments, tmp_path):
    """What a kernel started with ``extra_arguments`` writes to its stderr up to being ready."""
    from jupyter_client.manager import KernelManager

    with open(tmp_path / f"stderr{len(extra_arguments)}.txt", "w+") as log:
        km = KernelManager(kernel_name="python3")
        km.start_kernel(extra_arguments=list(extra_arguments), stderr=log)
        try:
            client = km.client()
            client.start_channels()
            client.wait_for_ready(timeout=60)
            client.stop_channels()
        finally:
            km.shutdown_kernel(now=True)
        log.seek(0)
        return log.read()


def test_quiet_kernel_args_silence_the_start_up_warning(tmp_path):
    """Without QUIET_KERNEL_ARGS the kernel warns at start (so the test can fail); with them
    its stderr is empty up to ready."""
    assert "without encryption" in _kernel_log([], tmp_path)
    assert _kernel_log(course_jupyter.QUIET_KERNEL_ARGS, tmp_path) == ""
