#!/usr/bin/env python3
"""Independent reference for llama2.c's tokenizer (tok512.bin), used to make the fixture
test/fixtures/stories260k-tokenizer.json that the TypeScript SentencePieceTokenizer must match.

Written from the format and algorithm description (shared/models/README.md, llama2.c's run.c
`encode`), deliberately in the plainest form: work on UTF-8 bytes, group a lead byte with its
continuation bytes (at most 4), then rescan all adjacent pairs after every single merge, taking
the highest score and, on ties, the leftmost pair. Quadratic, but obviously faithful.

Usage: python3 test/reference/llama2c_tokenizer.py TOK512_BIN > test/fixtures/stories260k-tokenizer.json
"""
import json
import random
import struct
import sys


def load(path):
    data = open(path, 'rb').read()
    (max_len,) = struct.unpack_from('<i', data, 0)
    pos, pieces, scores = 4, [], []
    while pos < len(data):
        score, n = struct.unpack_from('<fi', data, pos)
        pos += 8
        pieces.append(data[pos:pos + n])
        scores.append(score)
        pos += n
    return max_len, pieces, scores


def encode(text, pieces, scores):
    """Ids without BOS, as llama2.c's encode(t, text, bos=0, eos=0, ...)."""
    lookup = {}
    for i, p in enumerate(pieces):
        lookup.setdefault(p, i)
    raw = text.encode('utf-8')
    if not raw:
        return []
    tokens = [lookup[b' ']]  # dummy prefix
    buf = b''
    for k, byte in enumerate(raw):
        if byte & 0xC0 != 0x80:
            buf = b''
        buf += bytes([byte])
        following = raw[k + 1] if k + 1 < len(raw) else 0
        if following & 0xC0 == 0x80 and len(buf) < 4:
            continue
        if buf in lookup:
            tokens.append(lookup[buf])
        else:
            tokens.extend(b + 3 for b in buf)
        buf = b''
    while True:
        best = (-1e10, -1, -1)  # score, id, index
        for i in range(len(tokens) - 1):
            merged = lookup.get(pieces[tokens[i]] + pieces[tokens[i + 1]])
            if merged is not None and scores[merged] > best[0]:
                best = (scores[merged], merged, i)
        if best[2] < 0:
            return tokens
        i = best[2]
        tokens[i:i + 2] = [best[1]]


HAND_WRITTEN = [
    '',
    'Once upon a time',
    'Lily',
    ' Lily',
    'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.',
    'One day, Timmy said: "I want to play with my friend!" His mom was very happy.',
    'The end.\n\nThe cat sat on the mat.\n',
    '  two leading spaces, and trailing  ',
    'tab\there',
    'Numbers: 0123456789 and 3.14, 42%, $5.',
    'Café, naïve, jalapeño, über, façade',
    'She said \u201chello\u201d and it\u2019s fine \u2014 really\u2026',
    'Emoji: 😀🐶 🎉!',
    '日本語のテキスト',
    'Literal pieces: <0x0A> <s> </s> <unk>',
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    'xooo ooo',  # tie: two equal-score "oo" pairs overlap; the leftmost wins
    'thethethethethethe andandand ingingeded',
    '\n',
    ' ',
    'a\u00a0b \u2122 \u20ac10 \\path/to|x [y] ~z',
]


def random_strings(pieces, count=6, length=150, seed=1234):
    """Random concatenations of vocabulary pieces and odd characters: long space-free runs and
    many competing merges exercise score order and leftmost tie-breaking."""
    rng = random.Random(seed)
    words = [p.decode('utf-8') for p in pieces[259:]] + ['\n', '\u00e9', '\U0001F600', '\u4e2d', '\t']
    out = []
    for k in range(count):
        pool = words if k % 2 == 0 else [w for w in words if ' ' not in w]
        s = ''
        while len(s) < length:
            s += rng.choice(pool)
        out.append(s)
    return out


def main():
    path = sys.argv[1]
    _, pieces, scores = load(path)
    cases = [{'text': t, 'ids': encode(t, pieces, scores)} for t in HAND_WRITTEN + random_strings(pieces)]
    json.dump({
        'generator': 'python3 test/reference/llama2c_tokenizer.py ../shared/models/stories260K/tok512.bin',
        'tokenizer_sha256': '037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312',
        'note': 'ids exclude BOS; llama2.c encode with bos=0, eos=0',
        'cases': cases,
    }, sys.stdout, ensure_ascii=True, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
