"""Wait for kernel messages in slices, so that a missed zmq wake-up cannot hang a run.

``jupyter_client``'s async channels wait with one ``await socket.poll(timeout)``. Under CPU
load that wait sometimes misses the wake-up for a message already queued (pyzmq's zmq.FD is
edge-triggered; nbclient issue 312) and waits out its whole timeout, forever when it is None,
as Voila and nbclient use it. Measured on 2 loaded cores: 3 of 12 Voila renders of notebook 00
hung; 0 of 12 after :func:`poll_in_slices`. Each slice polls the socket afresh, so a missed
wake-up costs at most ``slice_s``.

Applied by every Jupyter server of the course (the package's server extension and its
voila.py config file, see the package docstring) and by the tools that run notebooks through
nbclient (tools/run_notebooks.py, benchmarks/bench_notebooks.py); those and tools/grade.py also
start their kernels with :data:`QUIET_KERNEL_ARGS`.
"""

import time
from queue import Empty

from jupyter_client.channels import AsyncZMQSocketChannel

# Arguments for the kernels that the tools start (nbclient's ``extra_arguments``): the kernel's own
# log at ERROR. ipykernel 7 warns at every start that a kernel on loopback TCP is unencrypted, a
# line per notebook that buries a script's output; what the cells print is unchanged.
QUIET_KERNEL_ARGS = ("--IPKernelApp.log_level=ERROR",)


def poll_in_slices(slice_s=1.0):
    """Make ``AsyncZMQSocketChannel.get_msg(timeout)`` wait in slices of ``slice_s``
    seconds, for every channel of this process; its result and its ``Empty`` at the
    deadline are unchanged (a timeout of None, or negative as zmq reads it, waits for good).
    Calling it again changes only the slice."""
    if not isinstance(slice_s, int | float) or not slice_s > 0:
        raise ValueError(f"slice_s must be a positive number of seconds, got {slice_s!r}")
    get_msg = getattr(AsyncZMQSocketChannel.get_msg, "unsliced", AsyncZMQSocketChannel.get_msg)

    async def sliced(self, timeout=None):
        forever = timeout is None or timeout < 0
        deadline = None if forever else time.monotonic() + timeout
        while True:
            left = slice_s if forever else min(slice_s, deadline - time.monotonic())
            try:  # at least 1 ms: get_msg waits int(ms), and poll(0) would spin
                return await get_msg(self, timeout=max(left, 0.001))
            except Empty:
                if not forever and time.monotonic() >= deadline:
                    raise

    sliced.unsliced = get_msg
    AsyncZMQSocketChannel.get_msg = sliced
