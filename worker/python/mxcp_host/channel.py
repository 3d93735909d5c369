"""The protocol channel: writes JSON lines to the worker and waits for its answers to db requests.

stdout belongs to the protocol. The host moves the original stdout to a private file descriptor at
start-up and points fd 1 at stderr, so a stray print() in user code can never corrupt the stream.
"""
import itertools
import json
import os
import sys
import threading

from .convert import to_json


class WorkerError(Exception):
    """The worker answered a request with an error (e.g. a failing SQL statement)."""


class Channel:
    def __init__(self):
        protocol_fd = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self._out = os.fdopen(protocol_fd, "w", encoding="utf-8", buffering=1)
        self._write_lock = threading.Lock()
        self._pending = {}
        self._pending_lock = threading.Lock()
        self._ids = itertools.count(1)

    def send(self, message):
        line = json.dumps(to_json(message), separators=(",", ":"), allow_nan=False)
        with self._write_lock:
            self._out.write(line + "\n")
            self._out.flush()

    def request(self, message):
        """Send a request that the worker answers (db); block this thread until it does."""
        req = next(self._ids)
        done = threading.Event()
        slot = {"event": done}
        with self._pending_lock:
            self._pending[req] = slot
        try:
            self.send({**message, "req": req})
            done.wait()
        finally:
            with self._pending_lock:
                self._pending.pop(req, None)
        if "error" in slot:
            raise WorkerError(slot["error"])
        return slot["value"]

    def answer(self, message):
        """A db_result / db_error from the worker: wake the thread waiting for it."""
        with self._pending_lock:
            slot = self._pending.get(message.get("req"))
        if slot is None:
            return
        if message.get("op") == "db_error":
            slot["error"] = message.get("error", "database error")
        else:
            slot["value"] = message.get("rows", [])
        slot["event"].set()
