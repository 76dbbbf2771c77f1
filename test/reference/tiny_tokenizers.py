"""Just enough tokenisation to pick natural-language input ids for the Llama fixtures and to decode outputs.

Not a reference for the tokenizer tests: the fixtures record ids, and the text is only their decoding.
"""

import json
import struct


class Tok512:
    """llama2.c tok512.bin: int32 max_len, then per token float32 score, int32 length, bytes."""

    def __init__(self, path):
        with open(path, "rb") as f:
            raw = f.read()
        offset, self.pieces, self.scores = 4, [], []
        while offset < len(raw):
            score, length = struct.unpack("<fi", raw[offset:offset + 8])
            offset += 8
            self.pieces.append(raw[offset:offset + length])
            self.scores.append(score)
            offset += length
        if len(self.pieces) != 512:
            raise ValueError(f"{path}: expected 512 tokens, read {len(self.pieces)}")
        self.index = {p: i for i, p in enumerate(self.pieces)}

    def encode(self, text, bos=True):
        """SentencePiece BPE as in llama2.c: dummy-prefix space, characters (bytes as fallback), best-score merges."""
        ids = [1] if bos else []
        if not text:
            return ids
        tokens = []
        for ch in " " + text:
            piece = ch.encode("utf-8")
            tokens.extend([self.index[piece]] if piece in self.index else [b + 3 for b in piece])
        while True:
            best = None
            for i in range(len(tokens) - 1):
                merged = self.index.get(self.pieces[tokens[i]] + self.pieces[tokens[i + 1]])
                if merged is not None and (best is None or self.scores[merged] > self.scores[best[1]]):
                    best = (i, merged)
            if best is None:
                break
            tokens[best[0]:best[0] + 2] = [best[1]]
        return ids + tokens

    def decode(self, ids):
        out = b""
        for i in ids:
            if i in (0, 1, 2):
                continue
            piece = self.pieces[i]
            out += bytes([i - 3]) if 3 <= i < 259 else piece
        return out.decode("utf-8", errors="replace").removeprefix(" ")


class MergesBpe:
    """HF `tokenizers` BPE with TinyStories-656K's normalizer (prepend '▁', spaces to '▁') and no pre-tokenizer."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        self.vocab = spec["model"]["vocab"]
        merges = spec["model"]["merges"]
        self.rank = {tuple(m.split(" ") if isinstance(m, str) else m): r for r, m in enumerate(merges)}
        self.id_to_piece = {i: p for p, i in self.vocab.items()}

    def encode(self, text, bos=True):
        symbols = list("▁" + text.replace(" ", "▁"))
        unknown = [s for s in symbols if s not in self.vocab]
        if unknown:
            raise ValueError(f"characters not in the TinyStories-656K vocabulary: {unknown!r}")
        while len(symbols) > 1:
            ranked = [(self.rank.get((a, b), float("inf")), i) for i, (a, b) in enumerate(zip(symbols, symbols[1:]))]
            best_rank, i = min(ranked)
            if best_rank == float("inf"):
                break
            symbols[i:i + 2] = [symbols[i] + symbols[i + 1]]
        return ([1] if bos else []) + [self.vocab[s] for s in symbols]

    def decode(self, ids):
        text = "".join(self.id_to_piece[i] for i in ids if i > 2)
        return text.replace("▁", " ").removeprefix(" ")
