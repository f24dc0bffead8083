"""The sans-I/O WebSocket frame reader the listeners read with (ws_core.FrameReader)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mattermost_ext.ws_core import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    FrameError,
    FrameReader,
)


def frame(
    opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0, mask: bool = False
) -> bytes:
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | rsv | opcode])
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if mask:
        head += b"\0\0\0\0"  # a zero mask leaves the payload as it is
    return head + payload


def feed_in_pieces(data: bytes, cuts: list[int]) -> list[tuple[int, bytes]]:
    reader = FrameReader()
    out: list[tuple[int, bytes]] = []
    last = 0
    for cut in [*sorted({c % (len(data) + 1) for c in cuts}), len(data)]:
        out += reader.feed(data[last:cut])
        last = cut
    return out


# A message: (opcode, payload, fragment sizes, control frames between the fragments).
messages = st.lists(
    st.tuples(
        st.sampled_from([OP_TEXT, OP_BINARY, OP_PING, OP_PONG]),
        st.binary(max_size=300) | st.sampled_from([b"x" * 70000, b"y" * 126, b"z" * 125]),
        st.lists(st.integers(1, 200), max_size=3),
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(msgs=messages, cuts=st.lists(st.integers(0, 200_000), max_size=12))
def test_any_split_gives_the_same_messages_in_order(
    msgs: list[tuple[int, bytes, list[int]]], cuts: list[int]
) -> None:
    """Whatever the chunking, each message and control frame comes out once, in order,
    fragmented messages whole (with the control frames sent between fragments first)."""
    wire = b""
    expected: list[tuple[int, bytes]] = []
    for opcode, payload, sizes in msgs:
        if opcode in (OP_PING, OP_PONG):
            payload = payload[:125]
            wire += frame(opcode, payload)
            expected.append((opcode, payload))
            continue
        pieces, rest = [], payload
        for size in sizes:
            pieces.append(rest[:size])
            rest = rest[size:]
        pieces.append(rest)
        controls = []
        for i, piece in enumerate(pieces):
            first, last = i == 0, i == len(pieces) - 1
            wire += frame(opcode if first else OP_CONT, piece, fin=last)
            if not last:
                wire += frame(OP_PING, b"between")
                controls.append((OP_PING, b"between"))
        expected += [*controls, (opcode, payload)]
    assert feed_in_pieces(wire, cuts) == expected


def test_close_and_lengths() -> None:
    reader = FrameReader()
    big = b"a" * 70000
    data = frame(OP_TEXT, b"") + frame(OP_TEXT, big) + frame(OP_CLOSE, struct.pack("!H", 1000))
    assert reader.feed(data) == [(OP_TEXT, b""), (OP_TEXT, big), (OP_CLOSE, b"\x03\xe8")]
    assert reader.feed(b"") == []


def test_a_large_frame_in_small_chunks_is_gathered_once() -> None:
    big = bytes(range(256)) * 4096  # 1 MiB
    wire = frame(OP_BINARY, big)
    reader = FrameReader()
    got: list[tuple[int, bytes]] = []
    for i in range(0, len(wire), 1000):
        got += reader.feed(wire[i : i + 1000])
    assert got == [(OP_BINARY, big)]


@pytest.mark.parametrize(
    ("wire", "why"),
    [
        (frame(OP_TEXT, b"x", mask=True), "masked"),
        (frame(OP_TEXT, b"x", rsv=0x40), "reserved bits"),
        (frame(0x3, b"x"), "unknown opcode"),
        (frame(OP_PING, b"x", fin=False), "control frame"),
        (frame(OP_PING, b"x" * 126), "control frame"),
        (frame(OP_CONT, b"x"), "continuation"),
        (frame(OP_TEXT, b"x", fin=False) + frame(OP_TEXT, b"y"), "inside a fragmented"),
    ],
)
def test_broken_framing_raises(wire: bytes, why: str) -> None:
    with pytest.raises(FrameError, match=why):
        FrameReader().feed(wire)


def test_max_size() -> None:
    reader = FrameReader(max_size=10)
    assert reader.feed(frame(OP_TEXT, b"x" * 10)) == [(OP_TEXT, b"x" * 10)]
    with pytest.raises(FrameError, match="too big"):
        FrameReader(max_size=10).feed(frame(OP_TEXT, b"x" * 11))
    with pytest.raises(FrameError, match="too big"):
        FrameReader(max_size=10).feed(
            frame(OP_TEXT, b"x" * 6, fin=False) + frame(OP_CONT, b"x" * 6)
        )
