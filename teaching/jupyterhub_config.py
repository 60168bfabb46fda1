"""JupyterHub configuration for serving this course to a class on one machine.

Copy it, read the lines marked CHANGE, and start the hub from the course's virtual environment:

    . .venv/bin/activate && jupyterhub -f teaching/jupyterhub_config.py

Students then open an nbgitpuller link (see README, "Teaching with this course"), which clones the
course into their own folder on first use and merges updates later without overwriting their edits.

This is the configuration tests/hub/test_hub.py starts (with its own ports, folders and token on
top, see that file), with five students at once. What it sets:

* DummyAuthenticator: any user name, one shared password. Fine for a trial on a closed machine;
  CHANGE it for a real class (e.g. an OAuthenticator for your university, or PAMAuthenticator).
* SimpleLocalProcessSpawner: each student's server is a local process of the hub's own user, run
  in its own folder (its home). It gives NO isolation between students' processes (they all run as
  the same Unix user) and enforces no memory limit; for a real class use a spawner that does
  (SystemdSpawner, DockerSpawner, KubeSpawner via Zero to JupyterHub). The test measured the memory
  one student's server needs while running notebook 01; size the machine from that (README).
* The single-user servers run with this environment's Python (sys.executable), so they see exactly
  the pinned packages: rnnlib, ipywidgets, nbgitpuller, voila, and course_jupyter (a server
  extension, enabled by the config file pip installed into this environment, that makes each
  server await kernel messages in slices: see teaching/course_jupyter).
* Every server gets a port of its own from a fixed range (course_jupyter.ports.ServerPorts).
"""

import os
import sys

from course_jupyter.ports import ServerPorts

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

# Where students' folders go: one folder per student, created on first start.
HOMES = os.environ.get("COURSE_HUB_HOMES", "/srv/rnn-course/homes")  # CHANGE for your machine

c.JupyterHub.ip = "127.0.0.1"  # CHANGE to "0.0.0.0" (behind HTTPS!) to let students in
c.JupyterHub.port = 8000
c.JupyterHub.hub_ip = "127.0.0.1"

c.JupyterHub.authenticator_class = "dummy"  # CHANGE for a real class
c.DummyAuthenticator.password = os.environ.get("COURSE_HUB_PASSWORD", "")  # CHANGE
c.Authenticator.allow_all = True  # CHANGE to c.Authenticator.allowed_users = {...}
c.Authenticator.admin_users = {"instructor"}

c.JupyterHub.spawner_class = "simple"  # jupyterhub.spawner.SimpleLocalProcessSpawner
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(HOMES, "{username}")
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
# Each student's server gets the lowest free port of this range, outside the ports the OS hands
# to kernels (see teaching/course_jupyter/course_jupyter/ports.py: JupyterHub's own choice can
# give two servers that start together the same port). CHANGE if these ports are used here.
low, high = os.environ.get("COURSE_HUB_SERVER_PORTS", "18100-18999").split("-")
c.Spawner.pre_spawn_hook = ServerPorts(range(int(low), int(high) + 1))
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# Shut down kernels idle for an hour, so that a class's forgotten tabs do not hold memory.
args = ["--MappingKernelManager.cull_idle_timeout=3600", "--MappingKernelManager.cull_interval=300"]
if os.geteuid() == 0:  # e.g. in a container; jupyter_server refuses root without this
    args.append("--allow-root")
c.Spawner.args = args
