"""Small but structurally valid MP4/MOV files built in memory (no ffmpeg needed in tests).

`mp4_bytes(seconds)` writes `ftyp`, a `moov` with `mvhd` (the movie's duration) and a video
track (`tkhd`, `mdia` with `mdhd` and a `vide` handler), optionally an audio track, and an
`mdat` padding the file to `size` bytes. Enough for type sniffing (`filetype`), duration
reading (`mutagen`) and upload tests that count bytes.
"""
from __future__ import annotations

import struct

MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def full_box(kind: bytes, payload: bytes, version: int = 0, flags: int = 0) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags) + payload)


def _track(track_id: int, handler: bytes, duration: int, timescale: int, width: int, height: int) -> bytes:
    tkhd = full_box(b"tkhd", struct.pack(">IIIII", 0, 0, track_id, 0, duration) + b"\0" * 8
                    + struct.pack(">hhhh", 0, 0, 0x100 if handler == b"soun" else 0, 0) + MATRIX
                    + struct.pack(">II", width << 16, height << 16), flags=3)
    mdhd = full_box(b"mdhd", struct.pack(">IIIIHH", 0, 0, timescale, duration, 0x55C4, 0))
    hdlr = full_box(b"hdlr", struct.pack(">I", 0) + handler + b"\0" * 12 + b"Warta\0")
    stbl = box(b"stbl", full_box(b"stsd", struct.pack(">I", 0)) + full_box(b"stts", struct.pack(">I", 0))
               + full_box(b"stsc", struct.pack(">I", 0)) + full_box(b"stsz", struct.pack(">II", 0, 0))
               + full_box(b"stco", struct.pack(">I", 0)))
    media_header = full_box(b"vmhd", b"\0" * 8, flags=1) if handler == b"vide" else full_box(b"smhd", b"\0" * 4)
    dinf = box(b"dinf", full_box(b"dref", struct.pack(">I", 1) + full_box(b"url ", b"", flags=1)))
    minf = box(b"minf", media_header + dinf + stbl)
    return box(b"trak", tkhd + box(b"mdia", mdhd + hdlr + minf))


def mp4_bytes(seconds: float, *, audio_seconds: float | None = None, timescale: int = 1000, width: int = 1080,
              height: int = 1920, brand: bytes = b"isom", size: int = 0) -> bytes:
    """An MP4 (or MOV with `brand=b"qt  "`) lasting `seconds`, optionally with an audio track."""
    duration = round(seconds * timescale)
    mvhd = full_box(b"mvhd", struct.pack(">IIII", 0, 0, timescale, duration) + struct.pack(">IH", 0x10000, 0x100)
                    + b"\0" * 10 + MATRIX + b"\0" * 24 + struct.pack(">I", 3))
    tracks = _track(1, b"vide", duration, timescale, width, height)
    if audio_seconds is not None:
        tracks += _track(2, b"soun", round(audio_seconds * 44100), 44100, 0, 0)
    head = box(b"ftyp", brand + struct.pack(">I", 0x200) + brand + b"mp41") + box(b"moov", mvhd + tracks)
    payload = max(0, size - len(head) - 8)
    return head + box(b"mdat", bytes(payload))
