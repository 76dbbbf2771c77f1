"""Independent float64 GPT-NeoX (Pythia) forward pass and test/fixtures/pythia-tiny-reference.json.

GPTNeoXForCausalLM semantics: no position embedding; nn.Linear weights [out, in] with biases;
query_key_value output viewed as [n, heads, 3 * head_dim] and split into q | k | v per head;
rotary on the first rotary_dim = int(head_dim * rotary_pct) dims of q and k with rotate-half
pairing inside those dims and frequencies base^(-2j / rotary_dim); scores / sqrt(head_dim);
parallel residual resid + attn(input_layernorm(resid)) + mlp(post_attention_layernorm(resid))
(or sequential when use_parallel_residual is false); exact erf GELU; final_layer_norm; untied embed_out.
Weights are the bf16 values from the file, widened exactly to float64.

Run from the repository root:  python3 test/reference/neox_ref.py   (after make_random_models.py)
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sampled_fixture  # noqa: E402
from fixture_io import FIXTURE_DIR, write_fixture  # noqa: E402
from ops import apply_rotary, causal_attention, gelu_exact, layer_normalize  # noqa: E402
from tensor_io import read_safetensors  # noqa: E402

FOLDER = os.path.join(FIXTURE_DIR, "models", "pythia-tiny")
COMMAND = "python3 test/reference/neox_ref.py"
SEQUENCE_SEED = 41
VOCAB_SAMPLE_SEED = 42


def load(folder=FOLDER):
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    if cfg.get("hidden_act") != "gelu":
        raise ValueError(f"{folder}: reference only implements exact gelu, config has {cfg.get('hidden_act')}")
    weights, _ = read_safetensors(os.path.join(folder, "model.safetensors"))
    return cfg, weights


def forward(cfg, w, ids):
    n, d, H = len(ids), cfg["hidden_size"], cfg["num_attention_heads"]
    hd, eps = d // H, cfg["layer_norm_eps"]
    rotary_dim = int(hd * cfg["rotary_pct"])
    base = cfg.get("rotary_emb_base", cfg.get("rope_theta", 10000))
    hooks = {}

    def ln(x, name):
        return layer_normalize(x, eps) * w[name + ".weight"] + w[name + ".bias"]

    def linear(x, name):
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    def attention(x, p):
        qkv = linear(x, p + "attention.query_key_value").reshape(n, H, 3 * hd)
        q, k, v = qkv[..., :hd], qkv[..., hd:2 * hd], qkv[..., 2 * hd:]
        q = apply_rotary(q, base, rotary_dim, "half")
        k = apply_rotary(k, base, rotary_dim, "half")
        z, pattern = causal_attention(q, k, v)
        return z, pattern

    resid = w["gpt_neox.embed_in.weight"][np.asarray(ids)]
    for li in range(cfg["num_hidden_layers"]):
        p = f"gpt_neox.layers.{li}."
        z, pattern = attention(ln(resid, p + "input_layernorm"), p)
        hooks[f"blocks.{li}.attn.hook_z"] = z
        hooks[f"blocks.{li}.attn.hook_pattern"] = pattern
        attn_out = linear(z.reshape(n, d), p + "attention.dense")
        mlp_in = resid if cfg["use_parallel_residual"] else resid + attn_out
        post = gelu_exact(linear(ln(mlp_in, p + "post_attention_layernorm"), p + "mlp.dense_h_to_4h"))
        hooks[f"blocks.{li}.mlp.hook_post"] = post
        resid = resid + attn_out + linear(post, p + "mlp.dense_4h_to_h")
        hooks[f"blocks.{li}.hook_resid_post"] = resid
    logits = ln(resid, "gpt_neox.final_layer_norm") @ w["embed_out.weight"].T
    return logits, hooks


def sequences(vocab):
    """Lengths 5 and 12 spread over the embedding rows; the 12 includes 0, ids above 50000 and a padding row."""
    rng = np.random.default_rng(SEQUENCE_SEED)
    short = [int(i) for i in rng.integers(0, vocab, 5)]
    long = [0] + [int(i) for i in rng.integers(0, vocab, 9)] + [50001, vocab - 1]
    return [short, long]


HOOKS = {
    "blocks.1.mlp.hook_post": "[n, intermediate_size] gelu(post_attention_layernorm(resid_pre) @ W_h_to_4h^T + b), "
                              "the input of mlp.dense_4h_to_h",
    "blocks.0.hook_resid_post": "[n, hidden_size] residual stream after block 0: resid_pre + attn_out + mlp_out",
    "blocks.1.attn.hook_z": "[n, n_heads, head_dim] attention-weighted values per head, before attention.dense "
                            "(head h's slice is z.reshape(n, hidden)[:, h*head_dim:(h+1)*head_dim])",
}


def main():
    cfg, w = load()
    vocab_ids = sampled_fixture.sampled_vocab_ids(cfg["vocab_size"], VOCAB_SAMPLE_SEED)
    fixture = sampled_fixture.build(__file__, COMMAND, "pythia-tiny", "gpt_neox",
                                    os.path.join(FOLDER, "model.safetensors"), cfg, sequences(cfg["vocab_size"]),
                                    lambda ids: forward(cfg, w, ids), vocab_ids, HOOKS)
    fixture["model"]["weights_dtype"] = "bf16 (reference computed from the bf16 values widened exactly to float64)"
    write_fixture("pythia-tiny-reference.json", fixture)


if __name__ == "__main__":
    main()
