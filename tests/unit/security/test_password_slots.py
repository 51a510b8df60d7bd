"""At most HASH_CONCURRENCY argon2 hashes run at once; beyond that a sign-in waits, then Busy."""

from __future__ import annotations

import threading
import time

import pytest

from engage.domain.errors import Busy
from engage.services import auth


def test_hashing_waits_for_a_free_slot_then_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "HASH_WAIT_SECONDS", 0.2)
    held = [auth._hash_slots.acquire(timeout=1) for _ in range(auth.HASH_CONCURRENCY)]
    assert all(held)
    try:
        with pytest.raises(Busy):
            auth.hash_password("long enough password")
        threading.Timer(0.05, auth._hash_slots.release).start()
        monkeypatch.setattr(auth, "HASH_WAIT_SECONDS", 5.0)
        assert auth.hash_password("long enough password").startswith("$argon2")
    finally:
        for _ in range(auth.HASH_CONCURRENCY - 1):
            auth._hash_slots.release()


class CountingHasher:
    """The real argon2 hasher, counting how many hashes run at the same moment."""

    def __init__(self) -> None:
        self.real = auth.PasswordHasher()
        self.running = self.peak = 0
        self.lock = threading.Lock()

    def hash(self, password: str) -> str:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            time.sleep(0.01)
            return self.real.hash(password)
        finally:
            with self.lock:
                self.running -= 1


def test_concurrent_hashes_never_exceed_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    hasher = CountingHasher()
    monkeypatch.setattr(auth, "_hasher", hasher)
    threads = [
        threading.Thread(target=auth.hash_password, args=("long enough password",))
        for _ in range(3 * auth.HASH_CONCURRENCY)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert 2 <= hasher.peak <= auth.HASH_CONCURRENCY  # they overlapped, but never too many
