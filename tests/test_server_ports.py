"""course_jupyter.ports.ServerPorts: every student's server gets a port no one else holds."""

import socket
from types import SimpleNamespace

import pytest
from course_jupyter.ports import ServerPorts, can_bind, ephemeral_ports

# A range below Linux's default ephemeral range (32768-60999) and below any that a machine is
# likely to be set to.
PORTS = range(18100, 18110)


class Spawner:
    """What ServerPorts uses of a JupyterHub spawner."""

    def __init__(self, name):
        self.ip, self.port, self.active = "127.0.0.1", 0, True
        self.user = SimpleNamespace(name=name)


def free_ports():
    """PORTS, without those something on this machine listens on (the test must not care)."""
    return [p for p in PORTS if can_bind("127.0.0.1", p)]


def test_servers_that_start_together_get_different_ports():
    assign = ServerPorts(PORTS)
    free = free_ports()
    students = [Spawner(f"student{i}") for i in range(5)]
    for s in students:  # all five pending at once, as in a class that starts together
        assign(s)
    assert [s.port for s in students] == free[:5]


def test_a_stopped_servers_port_is_given_again_and_a_restart_takes_the_lowest():
    assign = ServerPorts(PORTS)
    free = free_ports()
    a, b = Spawner("a"), Spawner("b")
    assign(a)
    assign(b)
    assert (a.port, b.port) == (free[0], free[1])
    a.active = False  # a's server stopped
    c = Spawner("c")
    assign(c)
    assert c.port == free[0]
    a.active = True  # a starts again while b and c run
    assign(a)
    assert a.port == free[2]


def test_a_port_something_else_listens_on_is_skipped():
    free = free_ports()
    with socket.socket() as other:  # another program, listening on the lowest free port
        other.bind(("127.0.0.1", free[0]))
        other.listen()
        s = Spawner("student1")
        ServerPorts(PORTS)(s)
    assert s.port == free[1]


def test_a_full_range_is_an_error_that_says_what_to_do():
    assign = ServerPorts(range(18100, 18102))
    held = [Spawner(f"s{i}") for i in range(2)]
    for s in held:
        assign.held[s] = 18100 + len(assign.held)
    with pytest.raises(RuntimeError, match=r"no free port for late's server in 18100-18101.*"
                                           r"2 held by this hub's servers.*widen the range"):
        assign(Spawner("late"))


@pytest.mark.parametrize("ports, message", [
    ([18100, 18101], r"expected a non-empty range .* got \[18100, 18101\]"),
    (range(18100, 18100), r"expected a non-empty range"),
    (range(18100, 18200, 2), r"expected .* step 1, got range\(18100, 18200, 2\)"),
    (range(80, 90), r"expected ports in 1024-65535, got 80-89"),
])
def test_bad_ranges_are_refused(ports, message):
    with pytest.raises(ValueError, match=r"ports: " + message):
        ServerPorts(ports)


def test_a_range_inside_the_ephemeral_ports_is_refused():
    eph = ephemeral_ports()
    if eph is None:
        pytest.skip("this system does not tell its ephemeral port range")
    with pytest.raises(ValueError, match=rf"overlaps the ephemeral range {eph.start}-"):
        ServerPorts(range(eph.start + 10, eph.start + 20))


def test_jupyterhub_spawners_configured_with_it_share_one_and_get_different_ports():
    """Traitlets gives each spawner a deep copy of its configured hook: it must be the same one."""
    spawner_module = pytest.importorskip("jupyterhub.spawner")
    from traitlets.config import Config

    c = Config()
    c.Spawner.pre_spawn_hook = ServerPorts(PORTS)
    free = free_ports()
    spawners = [spawner_module.SimpleLocalProcessSpawner(config=c, user=SimpleNamespace(name=n))
                for n in ("ann", "bo", "cy")]
    for s in spawners:
        s._spawn_pending = True  # as JupyterHub sets it before it runs the hook
        s.run_pre_spawn_hook()
    assert [s.port for s in spawners] == free[:3]
