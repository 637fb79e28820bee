"""A TCP proxy on a free 127.0.0.1 port in front of a broker, whose connections the test can cut
(without touching the broker) to exercise a client's reconnect path. Standard library only."""
import selectors
import socket
import struct
import threading

from .harness import free_port


class CuttableProxy:
    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.port = free_port()
        self.cut_connections = 0   # client connections cut by cut()
        self.accepted = 0
        self._pairs = {}           # socket -> its peer socket
        self._clients = set()      # the client side of each pair
        self._lock = threading.Lock()
        self._sel = selectors.DefaultSelector()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(16)
        self._listener.setblocking(False)
        self._sel.register(self._listener, selectors.EVENT_READ)
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _close_pair(self, s):
        peer = self._pairs.pop(s, None)
        for x in (s, peer):
            if x is None:
                continue
            self._pairs.pop(x, None)
            try:
                self._sel.unregister(x)
            except (KeyError, ValueError):
                pass
            x.close()

    def _accept(self):
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        try:
            up = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=1)
        except OSError:
            client.close()  # broker down: the client sees the connection end at once
            return
        self.accepted += 1
        for s in (client, up):
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sel.register(s, selectors.EVENT_READ)
        self._pairs[client] = up
        self._pairs[up] = client
        self._clients.add(client)

    def _run(self):
        while not self._stop:
            with self._lock:
                events = self._sel.select(timeout=0.05)
                for key, _ in events:
                    s = key.fileobj
                    if s is self._listener:
                        self._accept()
                        continue
                    if s not in self._pairs:
                        continue
                    try:
                        data = s.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        self._close_pair(s)
                        continue
                    try:
                        self._pairs[s].setblocking(True)
                        self._pairs[s].sendall(data)
                        self._pairs[s].setblocking(False)
                    except OSError:
                        self._close_pair(s)

    def cut(self):
        """Reset every connection now (RST both ways, as a dropped network path would end)."""
        with self._lock:
            clients = [s for s in self._clients if s in self._pairs]
            for s in clients:
                for x in (s, self._pairs[s]):
                    x.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self._close_pair(s)
            self.cut_connections += len(clients)
            self._clients = set()
            return len(clients)

    def close(self):
        self._stop = True
        self._thread.join(5)
        with self._lock:
            for s in list(self._pairs):
                self._close_pair(s)
            self._sel.unregister(self._listener)
            self._listener.close()
