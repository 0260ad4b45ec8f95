#!/usr/bin/env python3
"""The esp_secure_cert partition of an RSA key for a chip's Digital Signature peripheral, checked
without the project's code: Python's standard library and the openssl command only.

    ds_reference.py PARTITION RSA_KEY.pem HMAC.bin CHIP KEY_BLOCK

It walks the TLVs as esp_secure_cert_mgr does (magic, flags, reserved bytes, length, zero
padding to 16 bytes, CRC-32 of zlib from 0xFFFFFFFF), expects the DS data, the DS context and
the integrity TLV (SHA-256 of what comes before it) and erased flash after them, then does what
the chip does with the DS data: derives the AES key from the HMAC key (HMAC-SHA256 of 32 bytes
of 0xFF), decrypts C with AES-256-CBC (openssl enc), checks the digest and the padding, and
compares every operand with the RSA key's own (openssl rsa -text): Y = d, M = n,
Rb = 2^(2*bits) mod n, M' = -n^-1 mod 2^32, L = bits/32 - 1. Last, it signs with the operands
as the peripheral computes (X^Y mod M) and verifies with the public exponent.
Prints one line per check; exit 0 when all hold, 1 when one does not, 2 on usage.
"""
import hashlib
import hmac
import re
import struct
import subprocess
import sys
import zlib

# The largest RSA key each chip's DS takes, in bits (ESP-IDF's SOC_RSA_MAX_BIT_LEN): the size of
# the operands in C.
MAX_BITS = {'esp32s2': 4096, 'esp32s3': 4096, 'esp32c3': 3072, 'esp32c6': 3072, 'esp32h2': 3072}
PARTITION_SIZE = 0x2000
MAGIC = 0xBA5EBA11
DS_DATA, DS_CONTEXT, INTEGRITY = 3, 4, 9

failures = 0


def check(ok, what):
    global failures
    print(('ok: ' if ok else 'FAIL: ') + what)
    if not ok:
        failures += 1
    return ok


def tlvs(part):
    """Every TLV from the start, up to the first place without the magic: (offset, type,
    subtype, value), each checked."""
    at, out = 0, []
    while at + 12 <= len(part):
        magic, flags, reserved, typ, sub, length = struct.unpack_from('<IB3sBBH', part, at)
        if magic != MAGIC:
            break
        pad = (16 - length % 16) % 16
        end = at + 12 + length + pad
        check(end + 4 <= len(part), f'TLV {typ} at {at} ends inside the partition')
        check(flags == 0 and reserved == b'\0\0\0', f'TLV {typ}: flags and reserved bytes zero')
        check(part[at + 12 + length:end] == b'\0' * pad, f'TLV {typ}: zero padding to 16')
        crc = struct.unpack_from('<I', part, end)[0]
        check(crc == zlib.crc32(part[at:end], 0xFFFFFFFF), f'TLV {typ}: CRC-32 {crc:08x}')
        out.append((at, typ, sub, part[at + 12:at + 12 + length]))
        at = end + 4
    return out, at


def rsa_numbers(key):
    """n, e, d and the size of the key file's RSA key, as openssl reads it."""
    text = subprocess.run(['openssl', 'rsa', '-in', key, '-noout', '-text'], check=True,
                          capture_output=True, text=True).stdout
    fields, name = {}, None
    for line in text.splitlines():
        label = re.match(r'^(\w+):(.*)$', line)
        if label:
            name = label.group(1)
            fields[name] = label.group(2).strip()
        elif name:
            fields[name] += line.strip()
    number = lambda f: int(fields[f].replace(':', ''), 16)
    e = int(re.match(r'(\d+)', fields['publicExponent']).group(1))
    bits = int(re.search(r'\((\d+) bit', text).group(1))
    return number('modulus'), e, number('privateExponent'), bits


def aes_cbc_decrypt(key, iv, data):
    return subprocess.run(['openssl', 'enc', '-d', '-aes-256-cbc', '-nopad', '-K', key.hex(),
                           '-iv', iv.hex()], input=data, check=True, capture_output=True).stdout


def main():
    if len(sys.argv) != 6 or sys.argv[4] not in MAX_BITS:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    part_file, key_file, hmac_file, chip, block = sys.argv[1:6]
    part = open(part_file, 'rb').read()
    hmac_key = open(hmac_file, 'rb').read()
    n_bytes = MAX_BITS[chip] // 8
    check(len(part) == PARTITION_SIZE, f'the partition is {len(part)} bytes')
    check(len(hmac_key) == 32, 'the HMAC key is 32 bytes')

    found, end = tlvs(part)
    check([(t, s) for _, t, s, _ in found] == [(DS_DATA, 0), (DS_CONTEXT, 0), (INTEGRITY, 0)],
          f'the TLVs are DS data, DS context, integrity: {[(t, s) for _, t, s, _ in found]}')
    check(part[end:] == b'\xff' * (len(part) - end), f'erased flash from {end} on')
    if len(found) != 3:
        return 1
    (_, _, _, data), (_, _, _, context), (integrity_at, _, _, integrity) = found
    check(integrity == hashlib.sha256(part[:integrity_at]).digest(),
          'the integrity TLV is the SHA-256 of the TLVs before it')

    n, e, d, bits = rsa_numbers(key_file)
    check(bits == 3072, f'the key is RSA-{bits}')
    check(context == struct.pack('<IBBH', 0, int(block), 0, bits),
          f'the DS context: key block {block}, {bits} bits: {context.hex()}')

    c_size = 3 * n_bytes + 32 + 4 + 4 + 8
    check(len(data) == 4 + 16 + c_size, f'the DS data is {len(data)} bytes, C {c_size}')
    length, iv, c = struct.unpack_from('<I', data)[0], data[4:20], data[20:]
    check(length == bits // 32 - 1, f'the DS data says L = {length}')

    # what the chip does: the HMAC peripheral's key, then C decrypted, its digest and padding
    aes_key = hmac.new(hmac_key, b'\xff' * 32, hashlib.sha256).digest()
    p = aes_cbc_decrypt(aes_key, iv, c)
    y, m, rb = (p[i * n_bytes:(i + 1) * n_bytes] for i in range(3))
    md = p[3 * n_bytes:3 * n_bytes + 32]
    mprime, l_in_c = struct.unpack_from('<II', p, 3 * n_bytes + 32)
    padding = p[3 * n_bytes + 40:]
    check(md == hashlib.sha256(y + m + rb + struct.pack('<II', mprime, l_in_c) + iv).digest(),
          'MD = SHA-256(Y || M || Rb || M\' || L || IV)')
    check(padding == b'\x08' * 8, 'the padding is 8 bytes of 0x08')
    check(l_in_c == length, 'L in C is the DS data\'s')

    # every operand against the key's own numbers
    as_int = lambda b: int.from_bytes(b, 'little')
    check(as_int(y) == d, 'Y = d, the private exponent')
    check(as_int(m) == n, 'M = n, the modulus')
    check(as_int(rb) == pow(2, 2 * bits, n), 'Rb = 2^(2*bits) mod n')
    check(mprime == (-pow(n, -1, 2**32)) % 2**32, f'M\' = -n^-1 mod 2^32 = {mprime:08x}')
    check(all(b == 0 for op in (y, m, rb) for b in op[bits // 8:]),
          f'zeros above {bits} bits in the {8 * n_bytes}-bit operands')

    # the operands sign: Z = X^Y mod M, verified with e
    x = int.from_bytes(hashlib.sha256(b'esp_enc_img DS').digest() * 12, 'big') % n
    z = pow(x, as_int(y), as_int(m))
    check(pow(z, e, n) == x, 'X^Y mod M verifies with the public exponent')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
