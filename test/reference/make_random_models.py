"""Writes two small random-initialised Hugging Face model folders under test/fixtures/models/.

gpt2-tiny:   GPT2LMHeadModel, fp32, head tied to wte (not stored).
pythia-tiny: GPTNeoXForCausalLM, bf16 (generated in fp32, rounded to nearest-even bf16), untied embed_out.

Scales are chosen so that attention patterns, GELUs and logits are far from trivial (not uniform, not
saturated). Deterministic: fixed seeds, fixed tensor order, our own safetensors writer.

Run from the repository root:  python3 test/reference/make_random_models.py
"""

import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_io import FIXTURE_DIR, display_path  # noqa: E402
from tensor_io import bf16_entry, f32_entry, write_safetensors  # noqa: E402

TOKENIZERS = "/work/shared/tokenizers"
GPT2_SEED = 20240201
NEOX_SEED = 20240202

GPT2_CONFIG = {
    "architectures": ["GPT2LMHeadModel"],
    "model_type": "gpt2",
    "activation_function": "gelu_new",
    "attn_pdrop": 0.0,
    "bos_token_id": 50256,
    "embd_pdrop": 0.0,
    "eos_token_id": 50256,
    "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05,
    "n_ctx": 64,
    "n_embd": 32,
    "n_head": 4,
    "n_inner": None,
    "n_layer": 2,
    "n_positions": 64,
    "reorder_and_upcast_attn": False,
    "resid_pdrop": 0.0,
    "scale_attn_by_inverse_layer_idx": False,
    "scale_attn_weights": True,
    "tie_word_embeddings": True,
    "torch_dtype": "float32",
    "use_cache": True,
    "vocab_size": 50257,
}

# rotary_pct is 0.5, not Pythia's usual 0.25: with head_dim 8, 0.25 would rotate a single pair (dims 0, 1),
# where rotate-half and adjacent pairing coincide and a pairing bug could not show.
NEOX_CONFIG = {
    "architectures": ["GPTNeoXForCausalLM"],
    "model_type": "gpt_neox",
    "attention_bias": True,
    "attention_dropout": 0.0,
    "bos_token_id": 0,
    "eos_token_id": 0,
    "hidden_act": "gelu",
    "hidden_dropout": 0.0,
    "hidden_size": 32,
    "initializer_range": 0.02,
    "intermediate_size": 128,
    "layer_norm_eps": 1e-05,
    "max_position_embeddings": 64,
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "rotary_emb_base": 10000,
    "rotary_pct": 0.5,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "use_cache": True,
    "use_parallel_residual": True,
    "vocab_size": 50304,
}


def _normal(rng, shape, std):
    return (rng.standard_normal(shape) * std).astype(np.float32)


def _norm_params(rng, d):
    return 1.0 + _normal(rng, d, 0.1), _normal(rng, d, 0.05)


def gpt2_tensors(cfg, seed):
    rng = np.random.default_rng(seed)
    d, v, p = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    inner = cfg["n_inner"] or 4 * d
    t = {"transformer.wte.weight": _normal(rng, (v, d), 0.2), "transformer.wpe.weight": _normal(rng, (p, d), 0.1)}
    for i in range(cfg["n_layer"]):
        pre = f"transformer.h.{i}."
        t[pre + "ln_1.weight"], t[pre + "ln_1.bias"] = _norm_params(rng, d)
        # Conv1D stores weights [in, out]: y = x @ W + b.
        t[pre + "attn.c_attn.weight"], t[pre + "attn.c_attn.bias"] = _normal(rng, (d, 3 * d), 0.2), _normal(rng, 3 * d, 0.05)
        t[pre + "attn.c_proj.weight"], t[pre + "attn.c_proj.bias"] = _normal(rng, (d, d), 0.1), _normal(rng, d, 0.05)
        t[pre + "ln_2.weight"], t[pre + "ln_2.bias"] = _norm_params(rng, d)
        t[pre + "mlp.c_fc.weight"], t[pre + "mlp.c_fc.bias"] = _normal(rng, (d, inner), 0.2), _normal(rng, inner, 0.05)
        t[pre + "mlp.c_proj.weight"], t[pre + "mlp.c_proj.bias"] = _normal(rng, (inner, d), 0.1), _normal(rng, d, 0.05)
    t["transformer.ln_f.weight"], t["transformer.ln_f.bias"] = _norm_params(rng, d)
    return t


def neox_tensors(cfg, seed):
    rng = np.random.default_rng(seed)
    d, v, inner = cfg["hidden_size"], cfg["vocab_size"], cfg["intermediate_size"]
    t = {"gpt_neox.embed_in.weight": _normal(rng, (v, d), 0.2)}
    for i in range(cfg["num_hidden_layers"]):
        pre = f"gpt_neox.layers.{i}."
        t[pre + "input_layernorm.weight"], t[pre + "input_layernorm.bias"] = _norm_params(rng, d)
        t[pre + "post_attention_layernorm.weight"], t[pre + "post_attention_layernorm.bias"] = _norm_params(rng, d)
        # nn.Linear layout [out, in]; query_key_value rows are ordered [head, (q|k|v), head_dim].
        t[pre + "attention.query_key_value.weight"] = _normal(rng, (3 * d, d), 0.2)
        t[pre + "attention.query_key_value.bias"] = _normal(rng, 3 * d, 0.05)
        t[pre + "attention.dense.weight"], t[pre + "attention.dense.bias"] = _normal(rng, (d, d), 0.1), _normal(rng, d, 0.05)
        t[pre + "mlp.dense_h_to_4h.weight"] = _normal(rng, (inner, d), 0.2)
        t[pre + "mlp.dense_h_to_4h.bias"] = _normal(rng, inner, 0.05)
        t[pre + "mlp.dense_4h_to_h.weight"] = _normal(rng, (d, inner), 0.1)
        t[pre + "mlp.dense_4h_to_h.bias"] = _normal(rng, d, 0.05)
    t["gpt_neox.final_layer_norm.weight"], t["gpt_neox.final_layer_norm.bias"] = _norm_params(rng, d)
    t["embed_out.weight"] = _normal(rng, (v, d), 0.2)
    return t


def write_folder(name, config, tensors, entry, tokenizer_dir):
    folder = os.path.join(FIXTURE_DIR, "models", name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(folder, "model.safetensors"), {k: entry(a) for k, a in tensors.items()},
                      {"format": "pt"})
    for file in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        src = os.path.join(TOKENIZERS, tokenizer_dir, file)
        if os.path.exists(src):
            shutil.copyfile(src, os.path.join(folder, file))
    total = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    print(f"wrote {display_path(folder)}/ ({total} bytes)", file=sys.stderr)


def main():
    write_folder("gpt2-tiny", GPT2_CONFIG, gpt2_tensors(GPT2_CONFIG, GPT2_SEED), f32_entry, "gpt2")
    write_folder("pythia-tiny", NEOX_CONFIG, neox_tensors(NEOX_CONFIG, NEOX_SEED), bf16_entry, "gpt-neox-20b")


if __name__ == "__main__":
    main()
