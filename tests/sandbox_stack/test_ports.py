"""A sandbox port already in use is named in one line, with how to choose others."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.ports import PortTaken, bind_ports, free_port

ROOT = Path(__file__).resolve().parents[2]


def held_block():
    """A free port whose next port is held by a listening socket (as another program would hold it)."""
    for _ in range(50):
        port = free_port()
        if port > 65000:
            continue
        holder = socket.socket()
        try:
            holder.bind(("127.0.0.1", port + 1))
            holder.listen()
        except OSError:
            holder.close()
            continue
        return port, holder
    raise RuntimeError("no free block of ports")


@pytest.mark.parametrize(("args", "target"), [((), "demo"), (("--scenario",), "scenario")])
def test_a_taken_port_is_one_line_naming_it_and_the_way_out(tmp_path, args, target):
    port, holder = held_block()
    try:
        result = subprocess.run([sys.executable, "-m", "relay.cli", "sandbox", "--port", str(port), *args],
                                capture_output=True, text=True, timeout=60, cwd=tmp_path,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
    finally:
        holder.close()
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"waslack: port {port + 1} is already in use (the sandbox needs {port}, {port + 1} and {port + 2}); "
        f"choose others with `make {target} PORT=9000` or `waslack sandbox --port 9000`"
    ]
    assert result.stdout == ""


def test_bind_ports_releases_what_it_bound_when_one_is_taken():
    port, holder = held_block()
    try:
        with pytest.raises(PortTaken) as taken:
            bind_ports(port)
        assert taken.value.port == port + 1
        with socket.socket() as again:  # the first port was let go
            again.bind(("127.0.0.1", port))
    finally:
        holder.close()


def test_make_passes_the_port_on():
    try:
        planned = subprocess.run(["make", "-n", "demo", "scenario", "PORT=9100"], cwd=ROOT, capture_output=True,
                                 text=True, timeout=30)
    except OSError:
        pytest.skip("make is not installed")
    lines = [line for line in planned.stdout.splitlines() if "waslack sandbox" in line]
    assert len(lines) == 2 and all("--port 9100" in line for line in lines), planned.stdout
