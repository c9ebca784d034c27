"""Writes vectors.json: RFC 9162 Merkle tree roots, inclusion proofs and consistency proofs
computed independently of custos, for the tests of crates/custos-ledger.

  pip install pymerkle==7.0.0 && python3 testdata/ledger/make_vectors.py

Roots and audit paths come from pymerkle (an independent RFC 9162 implementation; its
inclusion path starts with the leaf hash itself, which is dropped). Consistency proofs come
from a direct transcription of RFC 9162 section 2.1.4.1 below, checked against pymerkle's
roots. Leaves are the RFC 6962 test leaves followed by b"custos-leaf-<i>".
"""
import hashlib
import json
import pathlib

from pymerkle import InmemoryTree

RFC_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
MAX_ROOT_SIZE = 100
MAX_PROOF_SIZE = 33


def leaf(i):
    return bytes.fromhex(RFC_LEAVES[i]) if i < len(RFC_LEAVES) else f"custos-leaf-{i}".encode()


def h(b):
    return hashlib.sha256(b).digest()


def mth(leaves):
    n = len(leaves)
    if n == 0:
        return h(b"")
    if n == 1:
        return h(b"\x00" + leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return h(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m, leaves):
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m, leaves, b):
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def main():
    leaves = [leaf(i) for i in range(MAX_ROOT_SIZE)]
    tree = InmemoryTree(algorithm="sha256")
    roots = []
    for i, data in enumerate(leaves):
        tree.append_entry(data)
        root = tree.get_root()
        assert root == mth(leaves[: i + 1]), f"pymerkle and the RFC transcription disagree at size {i + 1}"
        roots.append(root.hex())
    inclusion = []
    for size in range(1, MAX_PROOF_SIZE + 1):
        for index in range(size):
            proof = tree.prove_inclusion(index + 1, size)  # pymerkle counts leaves from 1
            hashes = [bytes.fromhex(x) if isinstance(x, str) else x for x in proof.path][1:]
            assert hashes == path(index, leaves[:size]), (index, size)
            inclusion.append({"index": index, "size": size, "path": [x.hex() for x in hashes]})
    consistency = []
    for second in range(1, MAX_PROOF_SIZE + 1):
        for first in range(1, second + 1):
            proof = subproof(first, leaves[:second], True)
            consistency.append({"first": first, "second": second, "proof": [x.hex() for x in proof]})
    out = {
        "generator": "testdata/ledger/make_vectors.py (pymerkle 7.0.0 + RFC 9162 2.1.4.1 transcription)",
        "leaves": [x.hex() for x in leaves],
        "roots": roots,
        "inclusion": inclusion,
        "consistency": consistency,
    }
    target = pathlib.Path(__file__).with_name("vectors.json")
    target.write_text(json.dumps(out, indent=0) + "\n")
    print(f"wrote {target}: {len(roots)} roots, {len(inclusion)} inclusion, {len(consistency)} consistency proofs")


if __name__ == "__main__":
    main()
