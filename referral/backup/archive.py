"""The encrypted container of a backup: AES-256-GCM over a stream, in chunks, never the whole archive in memory.

Why this framing rather than one AES-GCM message or a tool such as gpg: a backup holds the database and every
attachment (gigabytes on a large deployment), and one GCM message can only be checked once all of it has been
read; gpg would be one more program to install on government PCs and one more key format to explain. The
``cryptography`` package gives audited AES-GCM; the framing around it is small and follows the usual
"STREAM" construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015):

    header  = MAGIC (8) ‖ version (1) ‖ archive id (16, random) ‖ key check (16)
    frame   = final flag (1) ‖ ciphertext length (4, big-endian) ‖ nonce (12, random) ‖ ciphertext+tag
    AAD     = header ‖ frame index (8, big-endian) ‖ final flag

Each archive encrypts under its own key, derived by HKDF-SHA256 from the backup key and the archive id, so
random nonces never meet across archives. The header in every frame's AAD binds the frames to their archive;
the index stops reordering or dropping frames; the authenticated final flag makes a cut-off archive (even one
cut exactly between frames) an error rather than a shorter backup. The key check (also from HKDF) tells a
wrong key apart from a damaged file, so the message can say which."""

from __future__ import annotations

import base64
import binascii
import hmac
import io
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"RFBACKUP"
VERSION = 1
CHUNK_SIZE = 1024 * 1024  # plaintext bytes per frame: 1 MiB keeps memory flat and the tag overhead tiny
_TAG = 16
_NONCE = 12
_ID = 16
_CHECK = 16
HEADER_SIZE = len(MAGIC) + 1 + _ID + _CHECK
_FRAME_HEAD = struct.Struct(">BI")  # final flag, ciphertext length
MAX_FRAME = 16 * 1024 * 1024 + _TAG  # a length above this is damage, not a frame: never allocate it
KEY_HINT = ("生成一个密钥：python -c \"import base64, os; print(base64.b64encode(os.urandom(32)).decode())\"，"
            "放入环境变量 REFERRAL_BACKUP_KEY，并把它另行保管（不要和备份文件放在一起）。")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


def parse_key(text: str) -> bytes:
    """The 32-byte key from its base64 text (standard or URL-safe alphabet)."""
    text = text.strip()
    try:
        key = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BackupError(f"REFERRAL_BACKUP_KEY 不是有效的 base64 文本。{KEY_HINT}") from exc
    if len(key) != 32:
        raise BackupError(f"REFERRAL_BACKUP_KEY 应为 32 字节（base64 编码后 44 个字符），现在是 {len(key)} 字节。{KEY_HINT}")
    return key


def new_key_text() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _derive(key: bytes, archive_id: bytes, purpose: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=archive_id,
                info=b"referral-backup v1 " + purpose).derive(key)


def _header(archive_id: bytes, check: bytes) -> bytes:
    return MAGIC + bytes([VERSION]) + archive_id + check


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + index.to_bytes(8, "big") + bytes([final])


class EncryptingWriter(io.RawIOBase):
    """A write-only file object: what is written to it goes to ``fh`` encrypted, a frame per ``chunk_size``
    bytes. ``close()`` writes the final frame; without it the archive reads as truncated."""

    def __init__(self, fh, key: bytes, chunk_size: int = CHUNK_SIZE):
        super().__init__()
        self._fh = fh
        self._chunk = chunk_size
        archive_id = os.urandom(_ID)
        self._aes = AESGCM(_derive(key, archive_id, b"chunk key", 32))
        self._header = _header(archive_id, _derive(key, archive_id, b"key check", _CHECK))
        self._buffer = bytearray()
        self._index = 0
        fh.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > self._chunk:  # keep at least one byte back: the last frame is written on close
            self._emit(bytes(self._buffer[:self._chunk]), final=False)
            del self._buffer[:self._chunk]
        return len(data)

    def _emit(self, plaintext: bytes, *, final: bool) -> None:
        nonce = os.urandom(_NONCE)
        sealed = self._aes.encrypt(nonce, plaintext, _aad(self._header, self._index, final))
        self._fh.write(_FRAME_HEAD.pack(final, len(sealed)) + nonce + sealed)
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
        super().close()


class DecryptingReader(io.RawIOBase):
    """A read-only file object over an archive written by ``EncryptingWriter``. Every byte it returns has
    been authenticated; a wrong key, a changed byte, reordered frames or a cut-off end raise ``BackupError``."""

    def __init__(self, fh, key: bytes):
        super().__init__()
        self._fh = fh
        header = _read_exactly(fh, HEADER_SIZE)
        if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
            raise BackupError("这不是本平台的备份文件（文件头不符）。")
        if header[len(MAGIC)] != VERSION:
            raise BackupError(f"备份文件格式版本 {header[len(MAGIC)]} 不受支持（本程序读取版本 {VERSION}）。")
        archive_id = header[len(MAGIC) + 1:len(MAGIC) + 1 + _ID]
        if not hmac.compare_digest(header[-_CHECK:], _derive(key, archive_id, b"key check", _CHECK)):
            raise BackupError("备份密钥不对：这个备份不是用 REFERRAL_BACKUP_KEY 中的密钥加密的。")
        self._header = header
        self._aes = AESGCM(_derive(key, archive_id, b"chunk key", 32))
        self._index = 0
        self._plain = b""
        self._offset = 0
        self._finished = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._offset >= len(self._plain):
            if self._finished:
                return 0
            self._next_frame()
        n = min(len(buffer), len(self._plain) - self._offset)
        buffer[:n] = self._plain[self._offset:self._offset + n]
        self._offset += n
        return n

    def finish(self) -> None:
        """Read and authenticate whatever is left, up to the final frame. A reader of the plaintext (tarfile)
        may stop at its own end marker; only the final frame proves nothing was cut off after it."""
        while not self._finished:
            self._next_frame()
        self._plain, self._offset = b"", 0

    def _next_frame(self) -> None:
        head = _read_exactly(self._fh, _FRAME_HEAD.size)
        if len(head) < _FRAME_HEAD.size:
            raise BackupError(f"备份文件不完整（在第 {self._index + 1} 段处被截断）：请使用完整的备份文件。")
        final, length = _FRAME_HEAD.unpack(head)
        if final > 1 or not _TAG <= length <= MAX_FRAME:
            raise BackupError(f"备份文件已损坏或被改动（第 {self._index + 1} 段的段头无效）。")
        body = _read_exactly(self._fh, _NONCE + length)
        if len(body) < _NONCE + length:
            raise BackupError(f"备份文件不完整（在第 {self._index + 1} 段处被截断）：请使用完整的备份文件。")
        try:
            self._plain = self._aes.decrypt(body[:_NONCE], body[_NONCE:], _aad(self._header, self._index, bool(final)))
        except InvalidTag as exc:
            raise BackupError(f"备份文件已损坏或被改动（第 {self._index + 1} 段校验失败）：不能用它恢复。") from exc
        self._offset = 0
        self._index += 1
        if final:
            if self._fh.read(1):
                raise BackupError("备份文件已损坏或被改动（结束段之后还有数据）。")
            self._finished = True


def _read_exactly(fh, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        part = fh.read(n - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)
