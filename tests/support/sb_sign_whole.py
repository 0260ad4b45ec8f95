#!/usr/bin/env python3
"""Sign a file as a signer blind to app layouts does, for the shell tests:

    sb_sign_whole.py IN P256_KEY OUT

OUT is IN padded with 0xFF to a multiple of 4096 bytes, then a 4096-byte Secure Boot V2
signature sector holding one ECDSA P-256 block over all of it, whatever IN holds: an app with
bytes after its layout gets a sector where no device reads it. Built from format.h's layout by
hand (the openssl command signs), independently of the library under test.
"""
import hashlib
import subprocess
import sys
import zlib

SECTOR = 4096
BLOCK = 1216
CRC_SPAN = 1196


def der_integers(der):
    """r and s of a DER ECDSA-Sig-Value."""
    assert der[0] == 0x30
    at = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    out = []
    for _ in range(2):
        assert der[at] == 0x02
        n = der[at + 1]
        out.append(int.from_bytes(der[at + 2:at + 2 + n], "big"))
        at += 2 + n
    return out


def main():
    src, key, dst = sys.argv[1:4]
    with open(src, "rb") as f:
        data = f.read()
    data += b"\xff" * (-len(data) % SECTOR)
    digest = hashlib.sha256(data).digest()
    der = subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", key], input=digest,
                         capture_output=True, check=True).stdout
    spki = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"],
                          capture_output=True, check=True).stdout
    x, y = spki[-64:-32], spki[-32:]  # the uncompressed point ends the SubjectPublicKeyInfo
    r, s = der_integers(der)
    block = bytes([0xE7, 0x03, 0x00, 0x00]) + digest
    block += bytes([2]) + x[::-1] + y[::-1]  # curve P-256, then the numbers little-endian
    block += r.to_bytes(32, "little") + s.to_bytes(32, "little")
    block += bytes(CRC_SPAN - len(block))
    block += zlib.crc32(block).to_bytes(4, "little") + bytes(BLOCK - CRC_SPAN - 4)
    with open(dst, "wb") as f:
        f.write(data + block + b"\xff" * (SECTOR - BLOCK))


if __name__ == "__main__":
    main()
