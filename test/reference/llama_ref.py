"""Independent float64 Llama forward pass and the stories260K / TinyStories-656K reference fixtures.

Semantics follow the Llama architecture (Hugging Face LlamaForCausalLM / llama2.c): pre-norm RMSNorm blocks,
rotary position embedding on q and k, grouped-query attention (query head h reads kv head h // (H / H_kv)),
SwiGLU MLP down(silu(gate x) * up x), final RMSNorm, linear head. Hook names are TransformerLens'.

Run from the repository root:  python3 test/reference/llama_ref.py
"""

import os
import re
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_io import ENCODING_NOTE, FORMAT, generator, source_file, tensor, write_fixture  # noqa: E402
from ops import apply_rotary, causal_attention, logsumexp, rms_normalize, silu, top2_margin  # noqa: E402
from tensor_io import read_safetensors  # noqa: E402
from tiny_tokenizers import MergesBpe, Tok512  # noqa: E402

MODELS = "/work/shared/models"
COMMAND = "python3 test/reference/llama_ref.py"


def load_llama2c(path):
    """llama2.c legacy export: 7 int32 header, then fp32 arrays in a fixed order (see /work/shared/models/README.md)."""
    with open(path, "rb") as f:
        raw = f.read()
    dim, hidden, n_layers, n_heads, n_kv_heads, vocab_signed, seq_len = struct.unpack("<7i", raw[:28])
    vocab, head_dim = abs(vocab_signed), dim // n_heads
    kv_dim = n_kv_heads * head_dim
    floats = np.frombuffer(raw, dtype="<f4", offset=28).astype(np.float64)
    cursor = 0

    def take(*shape):
        nonlocal cursor
        count = int(np.prod(shape))
        if cursor + count > floats.size:
            raise ValueError(f"{path}: file ends inside a tensor of shape {shape}")
        out = floats[cursor:cursor + count].reshape(shape)
        cursor += count
        return out

    embed = take(vocab, dim)
    rms_att, wq, wk = take(n_layers, dim), take(n_layers, dim, dim), take(n_layers, kv_dim, dim)
    wv, wo, rms_ffn = take(n_layers, kv_dim, dim), take(n_layers, dim, dim), take(n_layers, dim)
    w1, w2, w3 = take(n_layers, hidden, dim), take(n_layers, dim, hidden), take(n_layers, hidden, dim)
    rms_final = take(dim)
    take(seq_len * head_dim)  # legacy rotary cos/sin tables, recomputed instead
    lm_head = embed if vocab_signed > 0 else take(vocab, dim)
    if cursor != floats.size:
        raise ValueError(f"{path}: {floats.size - cursor} unread floats after the last tensor")
    layers = [dict(attn_norm=rms_att[i], wq=wq[i], wk=wk[i], wv=wv[i], wo=wo[i], mlp_norm=rms_ffn[i],
                   w_gate=w1[i], w_up=w3[i], w_down=w2[i]) for i in range(n_layers)]
    config = dict(d_model=dim, d_mlp=hidden, n_layers=n_layers, n_heads=n_heads, n_kv_heads=n_kv_heads,
                  head_dim=head_dim, vocab=vocab, eps=1e-5, rope_theta=10000.0, rotary_pairing="adjacent",
                  tied_head=vocab_signed > 0)
    return dict(config=config, embed=embed, layers=layers, final_norm=rms_final, lm_head=lm_head)


def load_hf_llama(folder):
    import json
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    tensors, metadata = read_safetensors(os.path.join(folder, "model.safetensors"))
    # A tied checkpoint may store only one of the pair and alias the other via __metadata__.
    for alias, target in metadata.items():
        if alias not in tensors and target in tensors:
            tensors[alias] = tensors[target]
    if "lm_head.weight" not in tensors and cfg.get("tie_word_embeddings", True):
        tensors["lm_head.weight"] = tensors["model.embed_tokens.weight"]
    n_heads, d_model = cfg["num_attention_heads"], cfg["hidden_size"]
    layers = []
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        layers.append(dict(attn_norm=tensors[p + "input_layernorm.weight"], wq=tensors[p + "self_attn.q_proj.weight"],
                           wk=tensors[p + "self_attn.k_proj.weight"], wv=tensors[p + "self_attn.v_proj.weight"],
                           wo=tensors[p + "self_attn.o_proj.weight"],
                           mlp_norm=tensors[p + "post_attention_layernorm.weight"],
                           w_gate=tensors[p + "mlp.gate_proj.weight"], w_up=tensors[p + "mlp.up_proj.weight"],
                           w_down=tensors[p + "mlp.down_proj.weight"]))
    config = dict(d_model=d_model, d_mlp=cfg["intermediate_size"], n_layers=cfg["num_hidden_layers"], n_heads=n_heads,
                  n_kv_heads=cfg.get("num_key_value_heads", n_heads), head_dim=d_model // n_heads,
                  vocab=cfg["vocab_size"], eps=cfg["rms_norm_eps"], rope_theta=cfg.get("rope_theta", 10000.0),
                  rotary_pairing="half", tied_head=bool(cfg.get("tie_word_embeddings", True)))
    return dict(config=config, embed=tensors["model.embed_tokens.weight"], layers=layers,
                final_norm=tensors["model.norm.weight"], lm_head=tensors["lm_head.weight"])


def forward(model, ids):
    """Returns (logits [n, vocab], hooks) for one sequence; hooks use TransformerLens names without the batch axis."""
    c = model["config"]
    n, H, Hkv, hd = len(ids), c["n_heads"], c["n_kv_heads"], c["head_dim"]
    hooks = {}
    resid = model["embed"][np.asarray(ids)]
    for li, layer in enumerate(model["layers"]):
        hooks[f"blocks.{li}.hook_resid_pre"] = resid
        x = rms_normalize(resid, c["eps"]) * layer["attn_norm"]
        q = (x @ layer["wq"].T).reshape(n, H, hd)
        k = (x @ layer["wk"].T).reshape(n, Hkv, hd)
        v = (x @ layer["wv"].T).reshape(n, Hkv, hd)
        q = apply_rotary(q, c["rope_theta"], hd, c["rotary_pairing"])
        k = apply_rotary(k, c["rope_theta"], hd, c["rotary_pairing"])
        group = H // Hkv
        k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)  # query head h -> kv head h // group
        z, pattern = causal_attention(q, k, v)
        hooks[f"blocks.{li}.attn.hook_pattern"] = pattern
        hooks[f"blocks.{li}.attn.hook_z"] = z
        resid = resid + z.reshape(n, H * hd) @ layer["wo"].T
        hooks[f"blocks.{li}.hook_resid_mid"] = resid
        x = rms_normalize(resid, c["eps"]) * layer["mlp_norm"]
        post = silu(x @ layer["w_gate"].T) * (x @ layer["w_up"].T)
        hooks[f"blocks.{li}.mlp.hook_post"] = post
        resid = resid + post @ layer["w_down"].T
        hooks[f"blocks.{li}.hook_resid_post"] = resid
    normalized = rms_normalize(resid, c["eps"])
    hooks["ln_final.hook_normalized"] = normalized
    logits = (normalized * model["final_norm"]) @ model["lm_head"].T
    return logits, hooks


def mean_next_token_nll(model, ids):
    logits, _ = forward(model, ids)
    log_probs = logits - logsumexp(logits)[:, None]
    return float(-np.mean([log_probs[t, ids[t + 1]] for t in range(len(ids) - 1)]))


def greedy(model, ids, new_tokens):
    """Argmax decoding without a cache (recomputes the full prefix each step) and without stopping at EOS.

    Returns (new ids, per-step margin between the chosen and the runner-up logit)."""
    out, margins = list(ids), []
    for _ in range(new_tokens):
        logits, _ = forward(model, out)
        out.append(int(np.argmax(logits[-1])))
        margins.append(float(top2_margin(logits[-1:])[0]))
    return out[len(ids):], margins


HOOK_DEFINITIONS = {
    "blocks.L.hook_resid_post": "[n, d_model] residual stream after block L (after its MLP is added)",
    "blocks.L.mlp.hook_post": "[n, d_mlp] input of the down projection: silu(x @ W_gate^T) * (x @ W_up^T), "
                              "x = RMSNorm_2(resid_mid) including its weight",
    "blocks.L.attn.hook_pattern": "[n_heads, n, n] softmax attention probabilities [head, query, key]; "
                                  "entries with key > query are exactly 0",
    "ln_final.hook_normalized": "[n, d_model] x / sqrt(mean(x^2) + eps) of the final residual, BEFORE multiplying by "
                                "the final norm weight",
}


def case(model, name, ids, hook_names, decode):
    logits, hooks = forward(model, ids)
    return {
        "name": name,
        "text": decode(ids),
        "input_ids": list(ids),
        "logits": tensor(logits),
        "logsumexp": tensor(logsumexp(logits)),
        "argmax": [int(i) for i in np.argmax(logits, axis=-1)],
        "argmax_margin": tensor(top2_margin(logits)),
        "hooks": {h: tensor(hooks[h]) for h in hook_names},
    }


def build_fixture(name, model, source, sequences, pattern_layer, decode):
    hook_names = ["blocks.1.mlp.hook_post", "blocks.0.hook_resid_post", f"blocks.{pattern_layer}.attn.hook_pattern",
                  "ln_final.hook_normalized"]
    by_len = {len(s): s for s in sequences}
    nll_ids, greedy_ids = by_len[12], by_len[7]
    continuation, margins = greedy(model, greedy_ids, 20)
    definitions = {h: HOOK_DEFINITIONS[re.sub(r"^blocks\.\d+\.", "blocks.L.", h)] for h in hook_names}
    return {
        "format": FORMAT,
        "generator": generator(__file__, COMMAND),
        "model": {"name": name, "family": "llama", "source": source, "config": model["config"]},
        "encoding": ENCODING_NOTE,
        "hook_definitions": definitions,
        "logits_vocab_ids": None,
        "cases": [case(model, f"len{len(s)}", s, hook_names, decode) for s in sequences],
        "mean_nll": {"case": "len12", "value": float(f"{mean_next_token_nll(model, nll_ids):.10g}"),
                     "definition": "mean over t = 0..n-2 of -ln softmax(logits[t])[input_ids[t+1]] (natural log)"},
        "greedy": {"case": "len7", "new_tokens": 20, "generated_ids": continuation, "text": decode(continuation),
                   "step_margins": tensor(margins),
                   "definition": "argmax of the last position's logits, appended, 20 times; no EOS stopping"},
    }


def take_prefix(ids, n, text):
    if len(ids) < n:
        raise ValueError(f"{text!r} encodes to only {len(ids)} tokens, need {n}")
    return ids[:n]


def stories260k():
    folder = os.path.join(MODELS, "stories260K")
    model = load_llama2c(os.path.join(folder, "stories260K.bin"))
    tok = Tok512(os.path.join(folder, "tok512.bin"))
    seq7 = take_prefix(tok.encode("Once upon a time, there was a little girl"), 7, "seq7")
    seq12 = take_prefix(tok.encode("Lily wanted to play with her ball in the park with her mom."), 12, "seq12")
    sequences = [[1], seq7, seq12]
    fixture = build_fixture("stories260K", model, source_file(os.path.join(folder, "stories260K.bin")),
                            sequences, 2, tok.decode)
    write_fixture("stories260k-reference.json", fixture)
    sanity(model, tok, fixture)


def tinystories656k():
    folder = os.path.join(MODELS, "tinystories-656k")
    model = load_hf_llama(folder)
    tok = MergesBpe(os.path.join(folder, "tokenizer.json"))
    seq7 = take_prefix(tok.encode("Once upon a time, there was a little girl named Lily. She"), 7, "seq7")
    long_text = "Tom and his dog went to the park. They played with a red ball all day. Then they went home and ate cake."
    seq12 = take_prefix(tok.encode(long_text), 12, "seq12")
    sequences = [[1], seq7, seq12]
    fixture = build_fixture("TinyStories-656K", model, source_file(os.path.join(folder, "model.safetensors")),
                            sequences, 1, tok.decode)
    write_fixture("tinystories656k-reference.json", fixture)
    sanity(model, tok, fixture)


def sanity(model, tok, fixture):
    """Human-readable evidence that the forward pass is the real model: fluent text, low loss on English."""
    name = fixture["model"]["name"]
    print(f"[{name}] mean NLL of {fixture['cases'][2]['text']!r}: {fixture['mean_nll']['value']:.4f} nats/token "
          f"(uniform: {np.log(model['config']['vocab']):.2f})", file=sys.stderr)
    print(f"[{name}] greedy after {fixture['cases'][1]['text']!r}: {fixture['greedy']['text']!r}", file=sys.stderr)
    story = tok.encode("Once upon a time")
    print(f"[{name}] greedy after 'Once upon a time' {story}: {tok.decode(greedy(model, story, 40)[0])!r}",
          file=sys.stderr)
    sentence = tok.encode("One day, a little girl named Lily found a needle in her room. She knew it was difficult "
                          "to play with it because it was sharp.")
    rng = np.random.default_rng(0)
    shuffled = [sentence[0]] + list(rng.permutation(sentence[1:]))
    print(f"[{name}] mean NLL of a {len(sentence)}-token TinyStories sentence: "
          f"{mean_next_token_nll(model, sentence):.4f}; same tokens shuffled: "
          f"{mean_next_token_nll(model, shuffled):.4f}", file=sys.stderr)


if __name__ == "__main__":
    stories260k()
    tinystories656k()
