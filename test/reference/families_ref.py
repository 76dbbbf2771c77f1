"""Float64 reference forward passes for the Llama-like families, written from Hugging Face's modeling
code (modeling_llama / mistral / qwen2 / qwen3 / gemma2 / gemma3, configuration_*, masking_utils,
modeling_rope_utils), and TransformerLens' hook meanings. Reads each tiny checkpoint written by
make_family_models.py and writes test/fixtures/families-reference.json.

What it follows (per family, from upstream, not from the TypeScript):
- config: head_dim from config when present; Qwen 2/3 slide only with use_sliding_window and then on
  layers >= max_window_layers; Mistral slides everywhere when sliding_window is set; Gemma 2 slides
  on even layers (layer_types "sliding" when (i + 1) % 2); Gemma 3 follows layer_types, else
  sliding_window_pattern; gemma3 (multimodal) reads text_config and language_model.model.* weights.
- rope: inv_freq = theta^(-2j/d) (float32 in upstream; here float64), rotate_half pairing. llama3
  scaling per _compute_llama3_parameters against original_max_position_embeddings; linear divides
  by factor; Gemma 3 local layers use rope_local_base_freq, unscaled, global layers rope_theta with
  rope_scaling.
- Gemma: embeddings times sqrt(hidden) rounded to the checkpoint dtype; RMSNorm x * (1 + w);
  post_attention_layernorm normalises the attention output, pre_feedforward_layernorm the MLP input,
  post_feedforward_layernorm its output; scaling query_pre_attn_scalar^-0.5; Gemma 2 soft-caps the
  scaled scores (before the mask) and the logits; GELU tanh approximation.
- Masks: causal; a sliding layer lets query i see key j when 0 <= i - j < sliding_window.
- Qwen 3 / Gemma 3: q_norm / k_norm per head on the projections, before rotary.
- Hooks (TransformerLens): attn.hook_q / hook_k = projections (before norm and rotary);
  attn.q_norm.hook_normalized = x / rms before the weight; attn.hook_rot_q / hook_rot_k after rotary;
  ln1_post / ln2_post hook_normalized = norm inputs normalised, before weight; hook_attn_out and
  hook_mlp_out after the post norms (what is added to the residual); hook_embed = scaled embedding.

Run from the repository root:  python3 test/reference/families_ref.py
"""

import json
import math
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_io import ENCODING_NOTE, FIXTURE_DIR, FORMAT, generator, source_file, tensor, write_fixture  # noqa: E402
from ops import gelu_tanh, logsumexp, rms_normalize, silu, softmax, top2_margin  # noqa: E402
from tensor_io import bf16_bits_from_f32, f64_from_bf16_bits, read_safetensors  # noqa: E402

COMMAND = "python3 test/reference/families_ref.py"
NAMES = ["llama3-tiny", "mistral-tiny", "qwen2-tiny", "qwen3-tiny", "gemma2-tiny", "gemma3-tiny", "gemma3-mm-tiny"]


def to_dtype(value, dtype):
    """A float64 scalar as the checkpoint's dtype stores it (exactly widened back)."""
    if dtype == "bfloat16":
        return float(f64_from_bf16_bits(bf16_bits_from_f32(np.array([value], dtype=np.float32)))[0])
    if dtype == "float16":
        return float(np.float16(value))
    return float(np.float32(value))


def llama3_inv_freq(inv_freq, s):
    factor, low, high, old = s["factor"], s["low_freq_factor"], s["high_freq_factor"], s["original_max_position_embeddings"]
    low_wavelen, high_wavelen = old / low, old / high
    wavelen = 2 * math.pi / inv_freq
    out = np.where(wavelen > low_wavelen, inv_freq / factor, inv_freq)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * out / factor + smooth * out
    medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
    return np.where(medium, smoothed, out)


def inv_freq_for(theta, dim, scaling):
    inv = theta ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)
    if not scaling:
        return inv
    kind = scaling.get("rope_type", scaling.get("type", "default"))
    if kind == "default":
        return inv
    if kind == "linear":
        return inv / scaling["factor"]
    if kind == "llama3":
        return llama3_inv_freq(inv, scaling)
    raise ValueError(f"rope type {kind} not in the reference")


def rotate_half_rope(x, inv_freq):
    """x [n, heads, d]; HF apply_rotary_pos_emb with rotate_half."""
    n, _, d = x.shape
    freqs = np.arange(n, dtype=np.float64)[:, None] * inv_freq[None, :]
    emb = np.concatenate([freqs, freqs], axis=-1)[:, None, :]
    rot = np.concatenate([-x[..., d // 2:], x[..., :d // 2]], axis=-1)
    return x * np.cos(emb) + rot * np.sin(emb)


class Model:
    def __init__(self, folder):
        with open(os.path.join(folder, "config.json")) as f:
            outer = json.load(f)
        self.outer = outer
        mm = outer["model_type"] == "gemma3"
        c = outer["text_config"] if mm else outer
        self.type = c["model_type"]
        self.gemma = self.type.startswith("gemma")
        tensors, _ = read_safetensors(os.path.join(folder, "model.safetensors"))
        prefix = "language_model.model." if mm else "model."
        self.w = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        if "lm_head.weight" in tensors:
            self.w["lm_head.weight"] = tensors["lm_head.weight"]
        self.d, self.L = c["hidden_size"], c["num_hidden_layers"]
        self.H = c["num_attention_heads"]
        self.KV = c.get("num_key_value_heads", self.H)
        self.hd = c.get("head_dim", self.d // self.H)
        self.eps = c.get("rms_norm_eps", 1e-6)
        self.vocab = c["vocab_size"]
        dtype = c.get("torch_dtype", outer.get("torch_dtype"))
        self.embed_scale = to_dtype(math.sqrt(self.d), dtype) if self.gemma else None
        self.scaling = c.get("query_pre_attn_scalar", 256) ** -0.5 if self.gemma else self.hd ** -0.5
        self.attn_cap = c.get("attn_logit_softcapping") if self.gemma else None
        self.final_cap = c.get("final_logit_softcapping") if self.gemma else None
        self.qk_norm = self.type in ("qwen3", "gemma3_text")
        self.act = gelu_tanh if self.gemma else silu
        self.tied = c.get("tie_word_embeddings", outer.get("tie_word_embeddings", self.gemma))
        theta = c.get("rope_theta", 10000.0)
        scaling = c.get("rope_scaling")
        # Which layers slide, and how far.
        if self.type == "gemma2":
            kinds = ["sliding" if (i + 1) % 2 else "full" for i in range(self.L)]
            window = c.get("sliding_window", 4096)
        elif self.type == "gemma3_text":
            pattern = c.get("sliding_window_pattern", c.get("_sliding_window_pattern", 6))
            kinds = [t.split("_")[0] for t in c["layer_types"]] if "layer_types" in c else \
                ["sliding" if (i + 1) % pattern else "full" for i in range(self.L)]
            window = c.get("sliding_window", 4096)
        elif self.type in ("qwen2", "qwen3"):
            window = c["sliding_window"] if c.get("use_sliding_window", False) else None
            kinds = ["sliding" if window is not None and i >= c.get("max_window_layers", 28) else "full" for i in range(self.L)]
        elif self.type == "mistral":
            window = c.get("sliding_window")
            kinds = ["sliding" if window is not None else "full"] * self.L
        else:
            window, kinds = None, ["full"] * self.L
        self.windows = [window if k == "sliding" else None for k in kinds]
        if self.type == "gemma3_text":
            local = inv_freq_for(c.get("rope_local_base_freq", 10000.0), self.hd, None)
            glob = inv_freq_for(theta, self.hd, scaling)
            self.inv_freq = [local if k == "sliding" else glob for k in kinds]
        else:
            self.inv_freq = [inv_freq_for(theta, self.hd, scaling)] * self.L
        self.summary = {"model_type": self.type, "d_model": self.d, "n_layers": self.L, "n_heads": self.H,
                        "n_kv_heads": self.KV, "head_dim": self.hd, "windows": self.windows,
                        "embed_scale": self.embed_scale, "attn_scale": self.scaling, "attn_softcap": self.attn_cap,
                        "final_softcap": self.final_cap, "qk_norm": self.qk_norm,
                        "inv_freq": [list(map(float, f)) for f in self.inv_freq]}

    def norm(self, x, name):
        w = self.w[name]
        return rms_normalize(x, self.eps) * ((1.0 + w) if self.gemma else w)

    def linear(self, x, name):
        y = x @ self.w[name + ".weight"].T
        b = self.w.get(name + ".bias")
        return y if b is None else y + b

    def forward(self, ids):
        n, H, KV, hd = len(ids), self.H, self.KV, self.hd
        hooks = {}
        x = self.w["embed_tokens.weight"][np.asarray(ids)]
        if self.embed_scale is not None:
            x = x * self.embed_scale
        hooks["hook_embed"] = x
        for li in range(self.L):
            p, b = f"layers.{li}.", f"blocks.{li}."
            hooks[b + "hook_resid_pre"] = x
            hooks[b + "ln1.hook_normalized"] = rms_normalize(x, self.eps)
            h = self.norm(x, p + "input_layernorm.weight")
            q = self.linear(h, p + "self_attn.q_proj").reshape(n, H, hd)
            k = self.linear(h, p + "self_attn.k_proj").reshape(n, KV, hd)
            v = self.linear(h, p + "self_attn.v_proj").reshape(n, KV, hd)
            hooks[b + "attn.hook_q"], hooks[b + "attn.hook_k"], hooks[b + "attn.hook_v"] = q, k, v
            if self.qk_norm:
                hooks[b + "attn.q_norm.hook_normalized"] = rms_normalize(q, self.eps)
                hooks[b + "attn.k_norm.hook_normalized"] = rms_normalize(k, self.eps)
                q = self.norm(q, p + "self_attn.q_norm.weight")
                k = self.norm(k, p + "self_attn.k_norm.weight")
            q = rotate_half_rope(q, self.inv_freq[li])
            k = rotate_half_rope(k, self.inv_freq[li])
            hooks[b + "attn.hook_rot_q"], hooks[b + "attn.hook_rot_k"] = q, k
            group = H // KV
            kk, vv = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)  # query head h reads kv head h // group
            scores = np.einsum("qhd,khd->hqk", q, kk) * self.scaling
            if self.attn_cap:
                scores = self.attn_cap * np.tanh(scores / self.attn_cap)
            i, j = np.arange(n)[:, None], np.arange(n)[None, :]
            visible = j <= i
            if self.windows[li] is not None:
                visible &= (i - j) < self.windows[li]
            pattern = softmax(np.where(visible[None], scores, -np.inf), axis=-1)
            z = np.einsum("hqk,khd->qhd", pattern, vv)
            hooks[b + "attn.hook_pattern"], hooks[b + "attn.hook_z"] = pattern, z
            out = self.linear(z.reshape(n, H * hd), p + "self_attn.o_proj")
            if self.gemma:
                hooks[b + "ln1_post.hook_normalized"] = rms_normalize(out, self.eps)
                out = self.norm(out, p + "post_attention_layernorm.weight")
            hooks[b + "hook_attn_out"] = out
            x = x + out
            hooks[b + "hook_resid_mid"] = x
            hooks[b + "ln2.hook_normalized"] = rms_normalize(x, self.eps)
            h2 = self.norm(x, p + ("pre_feedforward_layernorm.weight" if self.gemma else "post_attention_layernorm.weight"))
            gate, up = self.linear(h2, p + "mlp.gate_proj"), self.linear(h2, p + "mlp.up_proj")
            post = self.act(gate) * up
            hooks[b + "mlp.hook_pre"], hooks[b + "mlp.hook_post"] = gate, post
            mlp = self.linear(post, p + "mlp.down_proj")
            if self.gemma:
                hooks[b + "ln2_post.hook_normalized"] = rms_normalize(mlp, self.eps)
                mlp = self.norm(mlp, p + "post_feedforward_layernorm.weight")
            hooks[b + "hook_mlp_out"] = mlp
            x = x + mlp
            hooks[b + "hook_resid_post"] = x
        hooks["ln_final.hook_normalized"] = rms_normalize(x, self.eps)
        head = self.w["embed_tokens.weight"] if self.tied else self.w["lm_head.weight"]
        logits = self.norm(x, "norm.weight") @ head.T
        if self.final_cap:
            logits = self.final_cap * np.tanh(logits / self.final_cap)
        return logits, hooks


def hook_list(m):
    last = m.L - 1
    names = ["hook_embed", "blocks.0.hook_resid_post", f"blocks.{last}.hook_resid_post", "ln_final.hook_normalized",
             "blocks.0.mlp.hook_post", "blocks.0.attn.hook_q", "blocks.0.attn.hook_k", "blocks.0.attn.hook_rot_q",
             "blocks.0.attn.hook_rot_k", f"blocks.{last}.attn.hook_rot_q", "blocks.0.hook_attn_out",
             "blocks.0.ln2.hook_normalized"]
    names += [f"blocks.{i}.attn.hook_pattern" for i in range(m.L)]
    if m.qk_norm:
        names += ["blocks.0.attn.q_norm.hook_normalized", "blocks.0.attn.k_norm.hook_normalized"]
    if m.gemma:
        names += ["blocks.0.ln1_post.hook_normalized", "blocks.0.ln2_post.hook_normalized", "blocks.0.hook_mlp_out"]
    return names


def per_token_nll(logits, ids):
    lp = logits - logsumexp(logits)[:, None]
    return [-lp[t, ids[t + 1]] for t in range(len(ids) - 1)]


def main():
    rng = np.random.default_rng(7)
    models = {}
    for name in NAMES:
        folder = os.path.join(FIXTURE_DIR, "models", name)
        m = Model(folder)
        ids = [256] + [int(t) for t in rng.integers(0, 256, size=19)]  # <bos> then 19 byte tokens: 20 positions
        logits, hooks = m.forward(ids)
        names = hook_list(m)
        models[name] = {
            "source": {"config": source_file(os.path.join(folder, "config.json")),
                       "weights": source_file(os.path.join(folder, "model.safetensors"))},
            "summary": m.summary,
            "input_ids": ids,
            "logits": tensor(logits),
            "per_token_nll": tensor(per_token_nll(logits, ids)),
            "argmax_margin": tensor(top2_margin(logits)),
            "hooks": {h: tensor(hooks[h]) for h in names},
        }
    write_fixture("families-reference.json", {
        "format": FORMAT,
        "generator": generator(__file__, COMMAND),
        "encoding": ENCODING_NOTE,
        "hook_layout": "hooks without the batch axis: [pos, ...] as TransformerLens orders them; attn.hook_pattern [head, query, key]",
        "models": models,
    })


if __name__ == "__main__":
    main()
