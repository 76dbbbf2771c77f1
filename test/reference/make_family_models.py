"""Writes one tiny random checkpoint per Llama-like family under test/fixtures/models/<name>/.

Each is a real Hugging Face folder: config.json with the field names of the family's released hub
config (meta-llama/Llama-3.2-1B, mistralai/Mistral-7B-v0.1, Qwen/Qwen2.5-0.5B, Qwen/Qwen3-0.6B,
google/gemma-2-2b, google/gemma-3-270m and a multimodal google/gemma-3-4b-pt layout), scaled down;
model.safetensors with the family's tensor names; and a 256-byte byte-level BPE tokenizer.json with
<bos>/<eos>/<pad> (ids 256-258; vocab_size 260 leaves one padding row), so the CLI runs on them.

The sizes are chosen so that each family's peculiarity matters on a 20-token text: sliding windows
shorter than the text, soft-caps low enough to bite, head_dim != hidden / heads, norm weights far
from 1, query_pre_attn_scalar != head_dim, Llama 3 rope scaling that leaves one frequency alone,
interpolates one and divides the others, and Qwen 2 carrying a sliding_window it must ignore.

Run from the repository root:  python3 test/reference/make_family_models.py
"""

import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_io import FIXTURE_DIR, display_path  # noqa: E402
from tensor_io import bf16_entry, f32_entry, write_safetensors  # noqa: E402

VOCAB = 260
COMMON = {"vocab_size": VOCAB, "bos_token_id": 256, "eos_token_id": 257, "pad_token_id": 258, "initializer_range": 0.02,
          "use_cache": True, "attention_dropout": 0.0}

MODELS = {
    "llama3-tiny": {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu", "hidden_size": 32,
        "intermediate_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 2,
        "max_position_embeddings": 128, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "attention_bias": False,
        "mlp_bias": False, "pretraining_tp": 1, "tie_word_embeddings": True, "torch_dtype": "float32",
        # head_dim 8: wavelengths 6.3, 63, 628, 6283 against 64/4 = 16 and 64/1 = 64: kept, smoothed, divided, divided.
        "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 64},
    },
    "mistral-tiny": {
        "architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_act": "silu", "hidden_size": 32,
        "intermediate_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 2,
        "max_position_embeddings": 128, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 6,
        "tie_word_embeddings": False, "torch_dtype": "float32",
    },
    "qwen2-tiny": {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu", "hidden_size": 32,
        "intermediate_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 2,
        "max_position_embeddings": 128, "max_window_layers": 1, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
        "rope_scaling": None, "sliding_window": 4, "use_sliding_window": False, "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
    },
    "qwen3-tiny": {
        "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_act": "silu", "hidden_size": 32,
        "head_dim": 16, "intermediate_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2,
        "num_hidden_layers": 2, "max_position_embeddings": 128, "max_window_layers": 1, "rms_norm_eps": 1e-06,
        "rope_theta": 1000000.0, "rope_scaling": None, "attention_bias": False, "sliding_window": 5,
        "use_sliding_window": True, "tie_word_embeddings": True, "torch_dtype": "float32",
    },
    "gemma2-tiny": {
        "architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", "attention_bias": False,
        "attn_logit_softcapping": 2.0, "final_logit_softcapping": 3.0, "head_dim": 16,
        "hidden_act": "gelu_pytorch_tanh", "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 32,
        "intermediate_size": 64, "max_position_embeddings": 128, "num_attention_heads": 4, "num_hidden_layers": 3,
        "num_key_value_heads": 2, "query_pre_attn_scalar": 24, "rms_norm_eps": 1e-06, "rope_theta": 10000.0,
        "sliding_window": 5, "cache_implementation": "hybrid", "torch_dtype": "bfloat16",
    },
    "gemma3-tiny": {
        "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "_sliding_window_pattern": 2,
        "attention_bias": False, "attn_logit_softcapping": None, "final_logit_softcapping": None, "head_dim": 16,
        "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 32, "intermediate_size": 64,
        "layer_types": ["sliding_attention", "sliding_attention", "full_attention", "sliding_attention"],
        "max_position_embeddings": 256, "num_attention_heads": 4, "num_hidden_layers": 4, "num_key_value_heads": 1,
        "query_pre_attn_scalar": 16, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000.0,
        "rope_scaling": {"rope_type": "linear", "factor": 8.0}, "rope_theta": 1000000.0, "sliding_window": 5,
        "use_bidirectional_attention": False, "torch_dtype": "bfloat16",
    },
    # A multimodal gemma3 checkpoint: the text tower's config in text_config, weights under language_model.model.
    "gemma3-mm-tiny": {
        "architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3", "torch_dtype": "bfloat16",
        "image_token_index": 259, "mm_tokens_per_image": 4,
        "text_config": {
            "model_type": "gemma3_text", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 3,
            "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "query_pre_attn_scalar": 8,
            "sliding_window": 4, "sliding_window_pattern": 3, "rope_scaling": {"rope_type": "linear", "factor": 4.0},
            "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0, "max_position_embeddings": 256,
            "vocab_size": VOCAB,
        },
        "vision_config": {"model_type": "siglip_vision_model", "hidden_size": 16, "num_hidden_layers": 1},
    },
}

# BOS as the released tokenizer_config.json says: Gemma, Llama 3 and Mistral prepend one, Qwen does not.
ADD_BOS = {"llama3-tiny": True, "mistral-tiny": True, "qwen2-tiny": False, "qwen3-tiny": False,
           "gemma2-tiny": True, "gemma3-tiny": True, "gemma3-mm-tiny": True}

SEED = 20251207


def text_config(cfg):
    return {**cfg["text_config"]} if cfg["model_type"] == "gemma3" else cfg


def tensors_for(name, cfg, rng):
    """The family's tensor names and random values (norm weights not near their identity)."""
    t = text_config(cfg)
    gemma = t["model_type"].startswith("gemma")
    d, m, L = t["hidden_size"], t["intermediate_size"], t["num_hidden_layers"]
    H, KV = t["num_attention_heads"], t["num_key_value_heads"]
    hd = t.get("head_dim", d // H)
    prefix = "language_model.model." if cfg["model_type"] == "gemma3" else "model."
    out = {}

    def normal(shape, std):
        return rng.normal(0.0, std, size=shape)

    def norm_weight(n):
        # Gemma stores w and scales by (1 + w); the others scale by w.
        return normal((n,), 0.3) if gemma else 1.0 + normal((n,), 0.3)

    out[prefix + "embed_tokens.weight"] = normal((VOCAB, d), 0.5 if gemma else 1.0)
    bias = t["model_type"] == "qwen2"
    for layer in range(L):
        p = f"{prefix}layers.{layer}."
        out[p + "input_layernorm.weight"] = norm_weight(d)
        out[p + "self_attn.q_proj.weight"] = normal((H * hd, d), 0.35)
        out[p + "self_attn.k_proj.weight"] = normal((KV * hd, d), 0.35)
        out[p + "self_attn.v_proj.weight"] = normal((KV * hd, d), 0.35)
        out[p + "self_attn.o_proj.weight"] = normal((d, H * hd), 0.25)
        if bias:
            out[p + "self_attn.q_proj.bias"] = normal((H * hd,), 0.3)
            out[p + "self_attn.k_proj.bias"] = normal((KV * hd,), 0.3)
            out[p + "self_attn.v_proj.bias"] = normal((KV * hd,), 0.3)
        if t["model_type"] in ("qwen3", "gemma3_text"):
            out[p + "self_attn.q_norm.weight"] = norm_weight(hd)
            out[p + "self_attn.k_norm.weight"] = norm_weight(hd)
        out[p + "post_attention_layernorm.weight"] = norm_weight(d)
        if gemma:
            out[p + "pre_feedforward_layernorm.weight"] = norm_weight(d)
            out[p + "post_feedforward_layernorm.weight"] = norm_weight(d)
        out[p + "mlp.gate_proj.weight"] = normal((m, d), 0.35)
        out[p + "mlp.up_proj.weight"] = normal((m, d), 0.35)
        out[p + "mlp.down_proj.weight"] = normal((d, m), 0.25)
    out[prefix + "norm.weight"] = norm_weight(d)
    tied = cfg.get("tie_word_embeddings", True if gemma else False)
    if not tied:
        out["lm_head.weight"] = normal((VOCAB, d), 0.3)
    if cfg["model_type"] == "gemma3":
        # A stand-in for the vision tower: present in the file, ignored by the text model.
        out["vision_tower.vision_model.embeddings.patch_embedding.bias"] = normal((16,), 0.1)
        out["multi_modal_projector.mm_soft_emb_norm.weight"] = normal((16,), 0.1)
    return out


def bytes_to_unicode():
    """GPT-2's reversible byte → printable character map (byte-level BPE)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def tokenizer_json():
    chars = bytes_to_unicode()
    vocab = {chars[b]: b for b in range(256)}
    added = [{"id": 256 + i, "content": c, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
              "special": True} for i, c in enumerate(["<bos>", "<eos>", "<pad>"])]
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
        "pre_tokenizer": byte_level, "post_processor": None, "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "vocab": vocab, "merges": []},
    }


def write_model(name, cfg, rng):
    folder = os.path.join(FIXTURE_DIR, "models", name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    tensors = tensors_for(name, cfg, rng)
    entry = bf16_entry if cfg["torch_dtype"] == "bfloat16" else f32_entry
    write_safetensors(os.path.join(folder, "model.safetensors"), {k: entry(v) for k, v in tensors.items()}, {"format": "pt"})
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({**COMMON, **cfg}, f, indent=2)
        f.write("\n")
    with open(os.path.join(folder, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(), f, ensure_ascii=False)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"add_bos_token": ADD_BOS[name], "add_eos_token": False, "bos_token": "<bos>", "eos_token": "<eos>",
                   "pad_token": "<pad>", "tokenizer_class": "PreTrainedTokenizerFast"}, f, indent=2)
        f.write("\n")
    print(f"wrote {display_path(folder)}", file=sys.stderr)


def main():
    rng = np.random.default_rng(SEED)
    for name, cfg in MODELS.items():
        write_model(name, cfg, rng)


if __name__ == "__main__":
    main()
