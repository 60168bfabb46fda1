"""A port of its own for every student's server: a JupyterHub ``pre_spawn_hook``.

With ``Spawner.port = 0`` (the default), JupyterHub's local spawners pick a server's port by
binding a socket to port 0 and closing it again (``jupyterhub.utils.random_port``). The port
is free at that moment only: another server that is still starting, or a kernel, can be given
the same port before this server binds it, and then this server exits with "port ... is not
available" and the student's spawn fails (jupyterhub/jupyterhub#3005). That happened in this
course's five-student hub test: two of five servers were given the same port.

:class:`ServerPorts` assigns the ports instead, from a range of its own:

* outside the ephemeral range, from which the operating system hands out port 0 binds
  (Linux: ``/proc/sys/net/ipv4/ip_local_port_range``, 32768-60999 by default), so that no
  kernel, client connection or ``random_port`` can take a server's port;
* never a port another server of this hub holds while it is starting, running or stopping;
* never a port something else on the machine is listening on (tested by binding it).

Each start gets the lowest such port (a restarted server may get another one), so the servers
of a class sit in a small, predictable range, which is also what a firewall rule needs.

    c.Spawner.pre_spawn_hook = ServerPorts(range(18100, 19000))
"""

import socket
import weakref

__all__ = ["ServerPorts"]


def ephemeral_ports():
    """The range the OS hands out port 0 binds from (Linux), or None where it cannot tell."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(v) for v in f.read().split())
    except (OSError, ValueError):
        return None
    return range(low, high + 1)


def can_bind(ip, port):
    """True if a server could listen on ``ip:port`` now (with SO_REUSEADDR, as Tornado does)."""
    with socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
        except OSError:
            return False
    return True


class ServerPorts:
    """Give each spawner, as it starts, the lowest port of ``ports`` that nothing else holds.

    ``ports`` is a ``range`` of port numbers; a range that overlaps the OS's ephemeral range
    is refused (a ``ValueError`` naming both), because ports there are what ``random_port``
    and kernels take. Used as ``c.Spawner.pre_spawn_hook``: it is called with the spawner
    just before ``Spawner.start`` and sets ``spawner.port``.
    """

    def __init__(self, ports):
        if not isinstance(ports, range) or len(ports) == 0 or ports.step != 1:
            raise ValueError(f"ports: expected a non-empty range of port numbers with step 1, "
                             f"got {ports!r}")
        if ports.start < 1024 or ports.stop > 65536:
            raise ValueError(f"ports: expected ports in 1024-65535, got {ports.start}-"
                             f"{ports.stop - 1}")
        eph = ephemeral_ports()
        if eph is not None and ports.start < eph.stop and eph.start < ports.stop:
            raise ValueError(
                f"ports: {ports.start}-{ports.stop - 1} overlaps the ephemeral range "
                f"{eph.start}-{eph.stop - 1} (ip_local_port_range), from which the OS gives "
                "ports to kernels and clients; choose a range outside it (or narrow that one)")
        self.ports = ports
        self.held = weakref.WeakKeyDictionary()  # spawner -> the port it was given

    def __deepcopy__(self, memo):
        # Traitlets gives every spawner a deep copy of its configured values; all spawners
        # must share this one, which knows which ports the others hold.
        return self

    def taken(self, spawner):
        """The ports held by this hub's other servers that are starting, running or stopping."""
        return {port for other, port in list(self.held.items())
                if other is not spawner and other.active}

    def __call__(self, spawner):
        ip = spawner.ip or "127.0.0.1"
        taken = self.taken(spawner)
        for port in self.ports:
            if port not in taken and can_bind(ip, port):
                spawner.port = port
                self.held[spawner] = port
                return
        raise RuntimeError(
            f"no free port for {spawner.user.name}'s server in {self.ports.start}-"
            f"{self.ports.stop - 1}: {len(taken)} held by this hub's servers, the rest in use "
            "on this machine; widen the range given to ServerPorts")
