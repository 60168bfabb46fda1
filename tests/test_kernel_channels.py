"""tools/kernel_channels.py: kernel messages awaited in slices survive a missed wake-up."""

import asyncio
import importlib.util
import time
from pathlib import Path
from queue import Empty

import pytest
from jupyter_client.channels import AsyncZMQSocketChannel

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def kernel_channels(monkeypatch):
    spec = importlib.util.spec_from_file_location("kernel_channels",
                                                  ROOT / "tools" / "kernel_channels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls = []

    async def missing_first_wakeup(self, timeout=None):
        """A message that is queued but whose first wait misses it (as under load)."""
        calls.append(timeout)
        if len(calls) == 1:
            await asyncio.sleep(timeout)
            raise Empty
        return {"msg": len(calls)}

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", missing_first_wakeup)
    return module, calls


def test_a_missed_wakeup_costs_one_slice_not_the_whole_wait(kernel_channels):
    module, calls = kernel_channels
    module.poll_in_slices(slice_s=0.05)
    module.poll_in_slices(slice_s=0.05)  # again: still one layer of slices
    started = time.monotonic()
    msg = asyncio.run(AsyncZMQSocketChannel.get_msg(object(), timeout=None))
    assert msg == {"msg": 2}
    assert calls == [0.05, 0.05]
    assert time.monotonic() - started < 1.0


def test_empty_still_comes_at_the_deadline(kernel_channels, monkeypatch):
    module, calls = kernel_channels

    async def never(self, timeout=None):
        await asyncio.sleep(timeout)
        raise Empty

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", never)
    module.poll_in_slices(slice_s=0.05)
    started = time.monotonic()
    with pytest.raises(Empty):
        asyncio.run(AsyncZMQSocketChannel.get_msg(object(), timeout=0.2))
    assert 0.2 <= time.monotonic() - started < 1.0
