"""A minimal Redis client for the beacon's one command per batch (RespConnection's docstring
says why not redis-py there)."""

from __future__ import annotations

import os
import socket
import threading


class RespConnection:
    """One Redis connection per thread for the beacon's single command: redis-py's
    connection pool, retry wrapper and command packing cost several times the CPU of a plain
    socket with hiredis' parser, which at thousands of beacons a second is a large part of
    a core (figures in bench/README.md). Everything else uses redis-py."""

    def __init__(self, url: str):
        from redis.connection import parse_url

        options = parse_url(url)
        self.address = (options.get("host", "127.0.0.1"), int(options.get("port", 6379)))
        self.setup = []
        if options.get("password"):
            self.setup.append(("AUTH", *filter(None, (options.get("username"), options["password"]))))
        if options.get("db"):
            self.setup.append(("SELECT", options["db"]))
        self._local = threading.local()

    @staticmethod
    def supports(url: str) -> bool:
        return url.startswith("redis://")

    def _socket(self):
        import hiredis

        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            sock = socket.create_connection(self.address, timeout=10)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            local.sock, local.reader, local.pid = sock, hiredis.Reader(), os.getpid()
            for command in self.setup:
                self._roundtrip(local, command)
        return local

    @staticmethod
    def _roundtrip(local, args):
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            arg = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
        local.sock.sendall(b"".join(parts))
        while (reply := local.reader.gets()) is False:
            data = local.sock.recv(65536)
            if not data:
                raise ConnectionError("Redis closed the connection")
            local.reader.feed(data)
        if isinstance(reply, Exception):
            raise reply
        return reply

    def call(self, *args):
        local = self._socket()
        try:
            return self._roundtrip(local, args)
        except OSError:
            local.sock.close()
            local.pid = None  # reconnect next time
            raise
