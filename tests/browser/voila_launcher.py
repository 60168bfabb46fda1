"""Start Voila with the shell/iopub channels polled in 1 s slices.

Under CPU load, ``await socket.poll(None)`` on a kernel channel sometimes misses the wake-up for
a message already queued (pyzmq's edge-triggered FD; nbclient issue 312), and Voila's page then
waits forever (measured: 3 of 12 renders of notebook 00 hung on 2 loaded cores, 0 of 12 with
this). Each slice re-checks the socket, so a missed wake-up costs at most 1 s.
Usage: python voila_launcher.py <voila arguments>
"""

import sys
import time
from queue import Empty

from jupyter_client.channels import AsyncZMQSocketChannel

_get_msg = AsyncZMQSocketChannel.get_msg


async def get_msg_in_slices(self, timeout=None, slice_s=1.0):
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = slice_s if deadline is None else min(slice_s, deadline - time.monotonic())
        try:
            return await _get_msg(self, timeout=max(left, 0))
        except Empty:
            if deadline is not None and time.monotonic() >= deadline:
                raise


AsyncZMQSocketChannel.get_msg = get_msg_in_slices

if __name__ == "__main__":
    from voila.app import main

    sys.exit(main())
