"""The sandbox's ports: bound before anything starts, so a port in use is reported at once and by number."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port free right now (another process may take it before it is bound: prefer ``bind_ports``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PortTaken(OSError):
    """A port the sandbox was told to use is already in use (``port`` says which)."""

    def __init__(self, port: int, reason: str):
        self.port = port
        super().__init__(f"port {port} is already in use ({reason})")


def bind_port(port: int) -> socket.socket:
    """A listening-ready socket on 127.0.0.1:``port`` (0: any free port), bound before anything starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after Ctrl-C
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise PortTaken(port, exc.strerror or str(exc)) from None
    return sock


def bind_ports(port: int | None) -> list[socket.socket]:
    """Relay, Meta simulator, Slack simulator: ``port``, ``port``+1, ``port``+2, or three free ports."""
    wanted = (port, port + 1, port + 2) if port else (0, 0, 0)
    bound: list[socket.socket] = []
    try:
        for number in wanted:
            bound.append(bind_port(number))
    except PortTaken:
        for sock in bound:
            sock.close()
        raise
    return bound
