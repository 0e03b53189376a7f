"""``guidance serve`` plumbing: the TCP_NODELAY listening socket (the multi-worker trap)."""

from __future__ import annotations

import socket

from guidance.api.serve import listening_socket


def test_accepted_connections_inherit_tcp_nodelay():
    """uvicorn's workers never set TCP_NODELAY on accepted sockets (~44 ms per keep-alive
    response with >1 worker); we set it on the listener, and Linux copies it on accept."""
    lst = listening_socket("127.0.0.1", 0)
    try:
        port = lst.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as _client:
            conn, _ = lst.accept()
            with conn:
                assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        plain = socket.socket()
        try:  # the control: a plain listener's accepted sockets do not have it
            plain.bind(("127.0.0.1", 0))
            plain.listen(1)
            with socket.create_connection(plain.getsockname()) as _client:
                conn, _ = plain.accept()
                with conn:
                    assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        finally:
            plain.close()
    finally:
        lst.close()


def test_server_secret_is_generated_once_and_private(tmp_path):
    from guidance.api.deps import server_secret
    from guidance.settings import Settings

    s = Settings(var_dir=tmp_path / "var", api_secret=None)
    first = server_secret(s)
    assert len(first) == 64 and server_secret(s) == first  # stable across restarts
    assert (tmp_path / "var" / "api_secret").stat().st_mode & 0o777 == 0o600
    assert server_secret(Settings(var_dir=tmp_path / "var", api_secret="given")) == b"given"
