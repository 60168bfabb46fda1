"""What the course's Jupyter servers load (JupyterLab, Jupyter Server, Voila, JupyterHub's
single-user servers): kernel messages awaited in slices, so that a missed zmq wake-up
cannot hang a Voila page or a notebook run (see :mod:`course_jupyter.kernel_channels`).

As a Jupyter Server extension (enabled by the JSON file this package installs into
``<prefix>/etc/jupyter/jupyter_server_config.d``) it applies the fix when a server starts;
the ``voila.py`` config file installed into ``<prefix>/etc/jupyter`` applies it again for
the stand-alone ``voila`` command (Voila's server extension reads that file too, which is
harmless: a second call changes nothing); scripts call :func:`poll_in_slices` themselves.

For JupyterHub, :class:`course_jupyter.ports.ServerPorts` gives every student's server a port
of its own (``teaching/jupyterhub_config.py`` uses it).

What it changes: ``get_msg``, with which nbclient (and so Voila) awaits a kernel's replies
while it executes a notebook in the server process. JupyterLab's own notebook connections
do not use it (the server relays their messages with ``ZMQStream.on_recv`` callbacks).
"""

from .kernel_channels import QUIET_KERNEL_ARGS, poll_in_slices

__all__ = ["QUIET_KERNEL_ARGS", "poll_in_slices"]


def _jupyter_server_extension_points():
    return [{"module": "course_jupyter"}]


def _load_jupyter_server_extension(serverapp):
    poll_in_slices()
    serverapp.log.info("course_jupyter (server extension): kernel messages are awaited in "
                       "1 s slices")
