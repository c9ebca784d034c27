"""Test vectors for Presidio's `encrypt` format, made with the library Presidio itself uses.

Presidio's anonymizer encrypts with AES-CBC under the key string's UTF-8 bytes, PKCS#7
padding and a random 16-byte IV, and writes URL-safe base64 of IV || ciphertext. This script
does the same with `cryptography` (what presidio-anonymizer imports) and a fixed IV per vector
so the output is reproducible. custos's `presidio_decrypt` must read every vector back and
its `presidio_encrypt` must produce text this script's `decrypt` reads.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install cryptography
    /tmp/v/bin/python testdata/pii/presidio_cipher.py > testdata/pii/presidio_cipher.json
    /tmp/v/bin/python testdata/pii/presidio_cipher.py --decrypt KEY TEXT
"""

import base64
import json
import sys

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def encrypt(key: str, text: str, iv: bytes) -> str:
    padder = padding.PKCS7(algorithms.AES.block_size).padder()
    padded = padder.update(text.encode("utf-8")) + padder.finalize()
    enc = Cipher(algorithms.AES(key.encode("utf-8")), modes.CBC(iv)).encryptor()
    return base64.urlsafe_b64encode(iv + enc.update(padded) + enc.finalize()).decode()


def decrypt(key: str, text: str) -> str:
    raw = base64.urlsafe_b64decode(text)
    dec = Cipher(algorithms.AES(key.encode("utf-8")), modes.CBC(raw[:16])).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    plain = dec.update(raw[16:]) + dec.finalize()
    return (unpadder.update(plain) + unpadder.finalize()).decode("utf-8")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--decrypt":
        print(decrypt(sys.argv[2], sys.argv[3]))
        return
    cases = [
        ("1111111111111111", "text_for_encryption"),
        ("0123456789abcdef", ""),
        ("0123456789abcdef", "exactly sixteen!"),
        ("abcdefghijklmnopqrstuvwx", "Zoë Müller, +33 6 12 34 56 78"),
        ("abcdefghijklmnopqrstuvwxyz012345", "4111 1111 1111 1111"),
        ("ÄÖÜäöü1234", "a key of ten characters and sixteen bytes"),
    ]
    vectors = []
    for n, (key, text) in enumerate(cases):
        iv = bytes((n * 16 + i) % 256 for i in range(16))
        vectors.append({"key": key, "text": text, "encrypted": encrypt(key, text, iv)})
    json.dump({"generator": "testdata/pii/presidio_cipher.py", "vectors": vectors}, sys.stdout, ensure_ascii=False, indent=1)
    print()


if __name__ == "__main__":
    main()
