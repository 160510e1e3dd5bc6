"""Ports for tests that start `waslack sandbox` as a process."""

import socket

import pytest

from sandbox.ports import free_port


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def port_block() -> int:
    """A port whose next two are free too (free now: another process may still take one)."""
    for _ in range(50):
        port = free_port()
        if port < 65000 and port_is_free(port + 1) and port_is_free(port + 2):
            return port
    raise RuntimeError("no three consecutive free ports")
