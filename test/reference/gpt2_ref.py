"""Independent float64 GPT-2 forward pass and test/fixtures/gpt2-tiny-reference.json.

GPT2LMHeadModel semantics: learned absolute positions, pre-LayerNorm blocks
resid += attn(ln_1(resid)); resid += mlp(ln_2(resid)), Conv1D weights [in, out] (y = x W + b),
fused c_attn output split as [q | k | v] with heads contiguous inside each, scores / sqrt(head_dim),
gelu_new MLP, ln_f, logits = ln_f(resid) @ wte^T (tied head).

Run from the repository root:  python3 test/reference/gpt2_ref.py   (after make_random_models.py)
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sampled_fixture  # noqa: E402
from fixture_io import FIXTURE_DIR, write_fixture  # noqa: E402
from ops import causal_attention, gelu_tanh, layer_normalize  # noqa: E402
from tensor_io import read_safetensors  # noqa: E402

FOLDER = os.path.join(FIXTURE_DIR, "models", "gpt2-tiny")
COMMAND = "python3 test/reference/gpt2_ref.py"
SEQUENCE_SEED = 31
VOCAB_SAMPLE_SEED = 32


def load(folder=FOLDER):
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    if cfg.get("activation_function") != "gelu_new":
        raise ValueError(f"{folder}: reference only implements gelu_new, config has {cfg.get('activation_function')}")
    weights, _ = read_safetensors(os.path.join(folder, "model.safetensors"))
    return cfg, weights


def forward(cfg, w, ids):
    n, d, H = len(ids), cfg["n_embd"], cfg["n_head"]
    hd, eps = d // H, cfg["layer_norm_epsilon"]
    hooks = {}

    def ln(x, name):
        return layer_normalize(x, eps) * w[name + ".weight"] + w[name + ".bias"]

    def conv1d(x, name):
        return x @ w[name + ".weight"] + w[name + ".bias"]

    resid = w["transformer.wte.weight"][np.asarray(ids)] + w["transformer.wpe.weight"][np.arange(n)]
    for li in range(cfg["n_layer"]):
        p = f"transformer.h.{li}."
        qkv = conv1d(ln(resid, p + "ln_1"), p + "attn.c_attn")
        q, k, v = (qkv[:, j * d:(j + 1) * d].reshape(n, H, hd) for j in range(3))
        z, pattern = causal_attention(q, k, v)
        hooks[f"blocks.{li}.attn.hook_pattern"] = pattern
        hooks[f"blocks.{li}.attn.hook_z"] = z
        resid = resid + conv1d(z.reshape(n, d), p + "attn.c_proj")
        post = gelu_tanh(conv1d(ln(resid, p + "ln_2"), p + "mlp.c_fc"))
        hooks[f"blocks.{li}.mlp.hook_post"] = post
        resid = resid + conv1d(post, p + "mlp.c_proj")
        hooks[f"blocks.{li}.hook_resid_post"] = resid
    logits = ln(resid, "transformer.ln_f") @ w["transformer.wte.weight"].T
    return logits, hooks


def sequences(vocab):
    """Lengths 5 and 12, spread over the vocabulary; the 12 includes ids above 50000 and the last id (<|endoftext|>)."""
    rng = np.random.default_rng(SEQUENCE_SEED)
    short = [int(i) for i in rng.integers(0, vocab, 5)]
    long = [int(i) for i in rng.integers(0, vocab, 10)] + [50123, vocab - 2]
    long[3] = vocab - 1
    return [short, long]


HOOKS = {
    "blocks.1.mlp.hook_post": "[n, 4*n_embd] gelu_new(ln_2(resid_mid) @ c_fc.weight + c_fc.bias), "
                              "the input of mlp.c_proj",
    "blocks.0.hook_resid_post": "[n, n_embd] residual stream after block 0 (embeddings + attn + mlp outputs)",
    "blocks.0.attn.hook_pattern": "[n_head, n, n] softmax attention probabilities [head, query, key]; "
                                  "entries with key > query are exactly 0",
}


def main():
    cfg, w = load()
    vocab_ids = sampled_fixture.sampled_vocab_ids(cfg["vocab_size"], VOCAB_SAMPLE_SEED)
    fixture = sampled_fixture.build(__file__, COMMAND, "gpt2-tiny", "gpt2", os.path.join(FOLDER, "model.safetensors"),
                                    cfg, sequences(cfg["vocab_size"]), lambda ids: forward(cfg, w, ids), vocab_ids,
                                    HOOKS)
    write_fixture("gpt2-tiny-reference.json", fixture)


if __name__ == "__main__":
    main()
