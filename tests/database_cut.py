"""A TCP proxy between the application and PostgreSQL that a test can cut, as a network
failure or a stopped server would: every open connection is closed and new ones are turned
away until the test restores it. The PostgreSQL server itself, which other work shares, is
never touched.

`cut_at_query(n)` cuts when the n-th statement from now reaches the proxy (a simple query,
or the Sync that ends one of the extended protocol), so the cut falls in the middle of a
request: what the application had read so far it has, the statement in flight never
arrives and its answer never comes."""

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.db import connections

# The messages a client sends before its startup message carry no type byte.
_UNTYPED_REQUESTS = {80877102, 80877103, 80877104}  # cancel, SSL, GSS encryption
_STATEMENT_ENDS = {b"Q", b"S"}


class DatabaseCut:
    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._down = False
        self._cut_after: int | None = None
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def down(self) -> bool:
        return self._down

    def cut(self) -> None:
        with self._lock:
            self._down = True
            self._cut_after = None
            for sock in self._open:
                _close(sock)
            self._open.clear()

    def cut_at_query(self, number: int) -> None:
        with self._lock:
            self._cut_after = number

    def restore(self) -> None:
        with self._lock:
            self._down = False
            self._cut_after = None

    def stop(self) -> None:
        self._stopped = True
        self.cut()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            if self._down:
                _close(client)  # as a server that is not there: the connection goes nowhere
                continue
            try:
                server = socket.create_connection(self._target, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._open += [client, server]
            threading.Thread(target=self._from_client, args=(client, server), daemon=True).start()
            threading.Thread(target=_pump, args=(server, client), daemon=True).start()

    def _statement_starts(self) -> bool:
        """Count a statement; True if the cut falls on it."""
        with self._lock:
            if self._cut_after is None:
                return False
            self._cut_after -= 1
            return self._cut_after <= 0

    def _from_client(self, client: socket.socket, server: socket.socket) -> None:
        """Forward the client's messages one by one, counting the statements."""
        started = False
        try:
            while True:
                if not started:
                    head = _read(client, 4)
                    (length,) = struct.unpack("!I", head)
                    body = _read(client, length - 4)
                    code = struct.unpack("!I", body[:4])[0] if len(body) >= 4 else 0
                    started = code not in _UNTYPED_REQUESTS
                    server.sendall(head + body)
                    continue
                kind = _read(client, 1)
                head = _read(client, 4)
                (length,) = struct.unpack("!I", head)
                body = _read(client, length - 4)
                if kind in _STATEMENT_ENDS and self._statement_starts():
                    self.cut()
                    return
                server.sendall(kind + head + body)
        except OSError:
            pass
        finally:
            _close(client)
            _close(server)


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        _close(source)
        _close(target)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@contextmanager
def database_behind_a_cut() -> Iterator[DatabaseCut]:
    """Every connection the live server opens from here on goes through the proxy (without
    TLS, so that its messages can be counted); this thread's own connection does not, so the
    test can still read what it checks while the application's are cut."""
    database: dict[str, Any] = connections.settings["default"]
    saved = {name: database.get(name) for name in ("HOST", "PORT", "OPTIONS")}
    proxy = DatabaseCut(database.get("HOST") or "127.0.0.1", int(database.get("PORT") or 5432))
    connections.close_all()
    own = connections["default"]
    own.settings_dict = dict(database)  # the settings object is shared until here
    database.update(
        HOST="127.0.0.1",
        PORT=str(proxy.port),
        OPTIONS={**(database.get("OPTIONS") or {}), "sslmode": "disable", "connect_timeout": 3},
    )
    try:
        yield proxy
    finally:
        proxy.stop()
        database.update(saved)
        connections.close_all()
        own.settings_dict = database
