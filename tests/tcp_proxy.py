"""A TCP proxy on a loopback port that a test controls, to play a database restart
without restarting the database server (which other test runs share).

- ``cut()``: every open connection is dropped at once (the server went away).
- ``cut_after_reply()``: the next bytes the server sends are swallowed and then every
  connection is dropped: the server did what it was asked (a COMMIT) but the client
  never hears it, the ambiguous end of a restart.
- ``down()`` / ``up()``: new connections are refused (the listening port is closed)
  until ``up()`` opens it again on the same port.

Threads rather than asyncio: the app under test is synchronous, and each connection
needs only two pumps. No library on PyPI does this without a server of its own
(Toxiproxy is a Go daemon), so this is the small one the drill needs.
"""

from __future__ import annotations

import socket
import threading


class TcpProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._swallow_reply = threading.Event()
        self.connections = 0  # accepted so far

    # -- control -----------------------------------------------------------------
    def up(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def down(self) -> None:
        """Refuse new connections and drop the open ones."""
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        self.cut()

    def cut(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, server in pairs:
            _close(client)
            _close(server)

    def cut_after_reply(self) -> None:
        self._swallow_reply.set()

    # -- pumping -----------------------------------------------------------------
    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by down()
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._pairs.append((client, server))
                self.connections += 1
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_server: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_server and self._swallow_reply.is_set():
                    self._swallow_reply.clear()
                    self.cut()
                    return
                sink.sendall(data)
        except OSError:
            pass
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
