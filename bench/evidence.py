"""What taking in an attachment costs, measured in one run: a phone photo (4000×3000 JPEG) re-encoded
without its metadata, against hashing the same bytes and against taking in a PDF of the same size
(type detected, no re-encoding) — the rounds interleaved, so a loaded machine slows each alike.

    .venv/bin/python -m bench.evidence            # 5 rounds
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from collections.abc import Callable

from PIL import Image

from domain.evidence import Kind
from service.evidence.blobs import sha256_of
from service.evidence.intake import Limits, accept


def phone_photo() -> bytes:
    """A 12-megapixel JPEG with texture, about what a phone takes."""
    tile = Image.frombytes("RGB", (400, 300), os.urandom(400 * 300 * 3)).resize((4000, 3000))
    out = io.BytesIO()
    tile.save(out, "JPEG", quality=90)
    return out.getvalue()


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    photo = phone_photo()
    scan = b"%PDF-1.4\n" + os.urandom(len(photo) - 9)
    limits = Limits()
    times: dict[str, list[float]] = {"hash": [], "pdf": [], "photo": []}
    for _ in range(rounds):
        times["hash"].append(timed(lambda: sha256_of(photo)))
        times["pdf"].append(timed(lambda: accept(scan, Kind.LETTER, limits)))
        times["photo"].append(timed(lambda: accept(photo, Kind.PHOTO, limits)))
    base = statistics.median(times["hash"])
    print(f"photo of {len(photo):,} bytes, {rounds} rounds, load {os.getloadavg()[0]:.1f} (2 cores)")
    for name, found in times.items():
        median = statistics.median(found)
        print(f"{name:>6}: median {median * 1000:8.1f} ms   {median / base:6.1f}× hashing the bytes")


if __name__ == "__main__":
    main()
