"""Beacons that arrive together, sent to Redis together."""

from __future__ import annotations

import os
import queue
import threading


class Batcher:
    """Beacons that arrive together go to Redis together: each request thread hands its
    beacon to one sender thread per process and waits; the sender sends whatever has queued
    up as one script call. A call per beacon keeps Redis itself and the web workers' system
    calls busy at high beacon rates (figures in bench/README.md)."""

    MAX = 128

    def __init__(self, send):
        self.send = send
        self.pid = None
        self.lock = threading.Lock()

    def submit(self, item):
        if self.pid != os.getpid():  # first use in this process (threads do not survive a fork)
            with self.lock:
                if self.pid != os.getpid():
                    self.queue = queue.SimpleQueue()
                    threading.Thread(target=self._run, args=(self.queue,), daemon=True, name="pageviews-sender").start()
                    self.pid = os.getpid()
        slot = [threading.Event(), None, None]  # done, result, error
        self.queue.put((item, slot))
        slot[0].wait()
        if slot[2] is not None:
            raise slot[2]
        return slot[1]

    def _run(self, waiting: queue.SimpleQueue) -> None:
        while True:
            batch = [waiting.get()]
            while len(batch) < self.MAX:
                try:
                    batch.append(waiting.get_nowait())
                except queue.Empty:
                    break
            try:
                for (_item, slot), result in zip(batch, self.send([item for item, _slot in batch]), strict=True):
                    slot[1] = result
            except Exception as error:  # Redis down: every waiting beacon answers 503
                for _item, slot in batch:
                    slot[2] = error
            for _item, slot in batch:
                slot[0].set()
