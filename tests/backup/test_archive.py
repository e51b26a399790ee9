"""The encrypted container (referral/backup/archive.py): what goes in comes out, and a wrong key, a changed
byte, reordered or dropped frames and a cut-off end are each refused with their own message."""

from __future__ import annotations

import io
import os
import struct

import pytest

from referral.backup.archive import (
    HEADER_SIZE,
    BackupError,
    DecryptingReader,
    EncryptingWriter,
    new_key_text,
    parse_key,
)

KEY = os.urandom(32)


def seal(data: bytes, key: bytes = KEY, chunk_size: int = 16) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key, chunk_size=chunk_size)
    for i in range(0, len(data), 7):  # written in odd pieces, as tarfile does
        writer.write(data[i:i + 7])
    writer.close()
    return out.getvalue()


def unseal(blob: bytes, key: bytes = KEY) -> bytes:
    reader = DecryptingReader(io.BytesIO(blob), key)
    data = reader.read()
    reader.finish()
    return data


def frames(blob: bytes) -> list[bytes]:
    """The frames of an archive, as written (flag, length, nonce, ciphertext)."""
    found, at = [], HEADER_SIZE
    while at < len(blob):
        _flag, length = struct.unpack(">BI", blob[at:at + 5])
        found.append(blob[at:at + 5 + 12 + length])
        at += 5 + 12 + length
    return found


DATA = bytes(range(256)) * 3  # 768 bytes: 48 frames of 16


@pytest.mark.parametrize("size", [0, 1, 16, 17, 768])
def test_what_goes_in_comes_out(size):
    assert unseal(seal(DATA[:size])) == DATA[:size]


def test_the_archive_does_not_show_its_contents():
    text = b"\xe5\xbc\xa0\xe4\xb8\x89 110101199001011234" * 4  # 张三 and an ID number
    assert b"110101199001011234" not in seal(text, chunk_size=1024)


def test_the_same_data_encrypts_differently_each_time():
    assert seal(DATA)[HEADER_SIZE:] != seal(DATA)[HEADER_SIZE:]


def test_a_wrong_key_is_named_as_such():
    with pytest.raises(BackupError, match="备份密钥不对"):
        unseal(seal(DATA), key=os.urandom(32))


@pytest.mark.parametrize("where", [HEADER_SIZE + 20, HEADER_SIZE + 200, -1])
def test_a_changed_byte_is_refused(where):
    blob = bytearray(seal(DATA))
    blob[where] ^= 0x01
    with pytest.raises(BackupError, match="已损坏或被改动"):
        unseal(bytes(blob))


def test_a_file_cut_off_mid_frame_is_refused():
    with pytest.raises(BackupError, match="不完整"):
        unseal(seal(DATA)[:-5])


def test_a_file_cut_off_between_frames_is_refused():
    blob = seal(DATA)
    whole = frames(blob)
    assert len(whole) == 48 and whole[-1][0] == 1 and whole[-2][0] == 0  # the flag byte
    cut = blob[:HEADER_SIZE] + b"".join(whole[:-1])  # everything but the final frame: a valid-looking prefix
    with pytest.raises(BackupError, match="不完整"):
        unseal(cut)


def test_reordered_frames_are_refused():
    blob = seal(DATA)
    whole = frames(blob)
    swapped = blob[:HEADER_SIZE] + whole[1] + whole[0] + b"".join(whole[2:])
    with pytest.raises(BackupError, match="第 1 段校验失败"):
        unseal(swapped)


def test_frames_of_another_archive_under_the_same_key_are_refused():
    one, other = seal(DATA), seal(DATA)
    spliced = one[:HEADER_SIZE] + b"".join(frames(other))
    with pytest.raises(BackupError, match="已损坏或被改动"):
        unseal(spliced)


def test_data_after_the_final_frame_is_refused():
    with pytest.raises(BackupError, match="结束段之后"):
        unseal(seal(DATA) + b"x")


def test_something_else_is_not_taken_for_a_backup():
    with pytest.raises(BackupError, match="不是本平台的备份文件"):
        unseal(b"PK\x03\x04" + b"\0" * 100)


def test_keys_are_32_bytes_of_base64():
    assert len(parse_key(new_key_text())) == 32
    with pytest.raises(BackupError, match="32 字节"):
        parse_key("c2hvcnQ=")
    with pytest.raises(BackupError, match="base64"):
        parse_key("not base64 at all!")
