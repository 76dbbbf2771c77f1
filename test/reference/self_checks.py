"""Checks of the reference implementations that do not depend on the code under test.

Each check compares against a known fact or a second, differently written formulation; any failure
raises (non-zero exit). Run from the repository root:  python3 test/reference/self_checks.py
"""

import json
import math
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2_ref  # noqa: E402
import llama_ref  # noqa: E402
import neox_ref  # noqa: E402
from fixture_io import FIXTURE_DIR  # noqa: E402
from ops import apply_rotary, causal_attention, gelu_exact, gelu_tanh, rotary_angles, softmax  # noqa: E402
from tensor_io import bf16_bits_from_f32, bf16_entry, f32_entry, read_safetensors, write_safetensors  # noqa: E402


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print(f"ok   {message}")


def check_tensor_io():
    bits = np.array([0x3F800000, 0x3F808000, 0x3F818000, 0x3F808001, 0xBF7FFFFF], dtype=np.uint32)
    rounded = bf16_bits_from_f32(bits.view(np.float32))
    # ties go to the even mantissa; anything above the tie rounds up; carries propagate into the exponent
    check(list(rounded) == [0x3F80, 0x3F80, 0x3F82, 0x3F81, 0xBF80], f"bf16 round-to-nearest-even {list(map(hex, rounded))}")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 5)).astype(np.float32), rng.standard_normal(7).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.safetensors")
        write_safetensors(path, {"a": f32_entry(a), "b": bf16_entry(b)}, {"format": "pt"})
        back, meta = read_safetensors(path)
        with open(path, "rb") as f:
            header_len = int.from_bytes(f.read(8), "little")
    check(header_len % 8 == 0 and meta == {"format": "pt"}, "safetensors header padded to 8 bytes, metadata kept")
    check(np.array_equal(back["a"], a.astype(np.float64)), "safetensors F32 round trip is exact")
    check(np.max(np.abs(back["b"] - b)) <= np.max(np.abs(b)) * 2 ** -8, "safetensors BF16 round trip within bf16 precision")


def check_activations():
    check(abs(gelu_exact(np.array([1.0]))[0] - 0.8413447460685429) < 1e-15, "gelu(1) = Phi(1) = 0.8413447460685429")
    check(abs(gelu_exact(np.array([-3.0]))[0] - (-3.0 * 0.0013498980316301)) < 1e-15, "gelu(-3) = -3 Phi(-3)")
    x = np.linspace(-4, 4, 81)
    check(0 < np.max(np.abs(gelu_tanh(x) - gelu_exact(x))) < 1e-3, "gelu_new is the tanh approximation (close, not equal)")


def check_rotary():
    rng = np.random.default_rng(1)
    n, heads, hd, theta = 9, 2, 8, 10000.0
    for rotary_dim in (8, 4):
        for pairing in ("adjacent", "half"):
            vec_q, vec_k = rng.standard_normal(hd), rng.standard_normal(hd)
            q = apply_rotary(np.tile(vec_q, (n, heads, 1)), theta, rotary_dim, pairing)
            k = apply_rotary(np.tile(vec_k, (n, heads, 1)), theta, rotary_dim, pairing)
            scores = np.einsum("qhd,khd->hqk", q, k)[0]
            toeplitz = all(np.allclose(np.diag(scores, o), np.diag(scores, o)[0], atol=1e-12) for o in range(-n + 1, n))
            check(toeplitz, f"rotary {pairing} dim {rotary_dim}: q.k depends only on the relative position")
            check(np.allclose(q[0], vec_q) and np.allclose(q[..., rotary_dim:], vec_q[rotary_dim:]),
                  f"rotary {pairing} dim {rotary_dim}: position 0 and non-rotary dims untouched")
    x = rng.standard_normal((n, heads, hd))
    half = hd // 2
    freqs = rotary_angles(n, hd, theta)
    emb = np.concatenate([freqs, freqs], axis=-1)[:, None, :]
    rotate_half = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    check(np.allclose(apply_rotary(x, theta, hd, "half"), x * np.cos(emb) + rotate_half * np.sin(emb), atol=1e-13),
          "rotary half == HF q*cos + rotate_half(q)*sin")
    as_complex = (x[..., 0::2] + 1j * x[..., 1::2]) * np.exp(1j * freqs)[:, None, :]
    adjacent = np.stack([as_complex.real, as_complex.imag], axis=-1).reshape(x.shape)
    check(np.allclose(apply_rotary(x, theta, hd, "adjacent"), adjacent, atol=1e-13),
          "rotary adjacent == llama2.c complex rotation of (x[2j], x[2j+1]) by pos*theta^(-2j/d)")
    check(abs(freqs[3, 1] - 3 * theta ** (-2 / hd)) < 1e-15, "rotary angle for pos 3, pair 1 is 3*theta^(-2/d)")


def check_attention():
    rng = np.random.default_rng(2)
    n, H, d = 6, 3, 4
    q, k, v = (rng.standard_normal((n, H, d)) for _ in range(3))
    z, pattern = causal_attention(q, k, v)
    for h in range(H):
        for i in range(n):
            scores = np.array([q[i, h] @ k[j, h] / math.sqrt(d) for j in range(i + 1)])
            probs = softmax(scores)
            if not (np.allclose(pattern[h, i, :i + 1], probs) and np.all(pattern[h, i, i + 1:] == 0)
                    and np.allclose(z[i, h], probs @ v[:i + 1, h])):
                raise AssertionError(f"causal_attention differs from the loop at head {h}, query {i}")
    check(True, "causal_attention equals a per-query loop (scores/sqrt(d), keys <= query only)")


def check_model(name, forward, ids, vocab):
    logits, hooks = forward(ids)
    changed = list(ids[:-1]) + [(ids[-1] + 1 + vocab // 3) % vocab]
    logits2, _ = forward(changed)
    check(np.max(np.abs(logits[:-1] - logits2[:-1])) < 1e-12 and np.max(np.abs(logits[-1] - logits2[-1])) > 1e-3,
          f"{name}: changing the last id changes only the last row of logits")
    prefix, _ = forward(ids[:5])
    check(np.max(np.abs(prefix - logits[:5])) < 1e-10, f"{name}: logits of a prefix equal the first rows")
    patterns = [v for k, v in hooks.items() if k.endswith("hook_pattern")]
    worst = max(np.max(np.abs(p.sum(-1) - 1)) for p in patterns)
    upper = max(np.max(np.abs(np.triu(p, 1))) for p in patterns)
    check(worst < 1e-12 and upper == 0, f"{name}: every attention row sums to 1 (err {worst:.1e}), future weight is 0")
    return logits


def check_llama_gqa(model, ids):
    """Recompute layer 0's attention per head with an explicit kv-head index and compare with hook_z."""
    c, layer = model["config"], model["layers"][0]
    _, hooks = llama_ref.forward(model, ids)
    x = hooks["blocks.0.hook_resid_pre"]
    x = x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + c["eps"]) * layer["attn_norm"]
    n, hd, group = len(ids), c["head_dim"], c["n_heads"] // c["n_kv_heads"]
    q = apply_rotary((x @ layer["wq"].T).reshape(n, c["n_heads"], hd), c["rope_theta"], hd, c["rotary_pairing"])
    k = apply_rotary((x @ layer["wk"].T).reshape(n, c["n_kv_heads"], hd), c["rope_theta"], hd, c["rotary_pairing"])
    v = (x @ layer["wv"].T).reshape(n, c["n_kv_heads"], hd)
    for h in range(c["n_heads"]):
        kv = h // group
        for i in range(n):
            p = softmax(np.array([q[i, h] @ k[j, kv] for j in range(i + 1)]) / math.sqrt(hd))
            if not np.allclose(p @ v[:i + 1, kv], hooks["blocks.0.attn.hook_z"][i, h]):
                raise AssertionError(f"GQA mismatch at head {h} (kv head {kv}), query {i}")
    check(True, f"{c['vocab']}-vocab llama: query head h reads kv head h // {group}")


def check_fixture_matches(file, forward):
    with open(os.path.join(FIXTURE_DIR, file), encoding="utf-8") as f:
        fixture = json.load(f)
    cols = fixture["logits_vocab_ids"]
    for case in fixture["cases"]:
        logits, hooks = forward(case["input_ids"])
        stored = np.array(case["logits"]["data"]).reshape(case["logits"]["shape"])
        expected = logits if cols is None else logits[:, cols]
        ok = np.allclose(stored, expected, rtol=1e-6, atol=1e-7)
        for h, t in case["hooks"].items():
            ok = ok and np.allclose(np.array(t["data"]).reshape(t["shape"]), hooks[h], rtol=1e-6, atol=1e-7)
        ok = ok and case["argmax"] == [int(i) for i in np.argmax(logits, -1)]
        check(ok, f"{file} {case['name']}: stored logits, hooks and argmax match a fresh forward pass")
    return fixture


def main():
    check_tensor_io()
    check_activations()
    check_rotary()
    check_attention()

    stories = llama_ref.load_llama2c(os.path.join(llama_ref.MODELS, "stories260K", "stories260K.bin"))
    tiny = llama_ref.load_hf_llama(os.path.join(llama_ref.MODELS, "tinystories-656k"))
    gpt2_cfg, gpt2_w = gpt2_ref.load()
    neox_cfg, neox_w = neox_ref.load()
    models = [
        ("stories260K", lambda ids: llama_ref.forward(stories, ids), 512, "stories260k-reference.json"),
        ("TinyStories-656K", lambda ids: llama_ref.forward(tiny, ids), 2048, "tinystories656k-reference.json"),
        ("gpt2-tiny", lambda ids: gpt2_ref.forward(gpt2_cfg, gpt2_w, ids), 50257, "gpt2-tiny-reference.json"),
        ("pythia-tiny", lambda ids: neox_ref.forward(neox_cfg, neox_w, ids), 50304, "pythia-tiny-reference.json"),
    ]
    for name, forward, vocab, file in models:
        fixture = check_fixture_matches(file, forward)
        check_model(name, forward, fixture["cases"][-1]["input_ids"], vocab)
    check_llama_gqa(stories, [1, 403, 407, 261, 378, 432, 383])
    check_llama_gqa(tiny, [1, 80, 147, 201, 282, 215, 286])

    check("lm_head.weight" not in gpt2_w and "transformer.wte.weight" in gpt2_w, "gpt2-tiny stores no lm_head (tied)")
    with open(os.path.join(neox_ref.FOLDER, "model.safetensors"), "rb") as f:
        header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
    check({v["dtype"] for k, v in header.items() if k != "__metadata__"} == {"BF16"}, "pythia-tiny tensors are BF16")

    with open(os.path.join(FIXTURE_DIR, "stories260k-reference.json"), encoding="utf-8") as f:
        nll = json.load(f)["mean_nll"]["value"]
    check(nll < 2.0, f"stories260K mean NLL of a natural sentence {nll:.3f} nats << ln 512 = 6.24")
    print("all self-checks passed")


if __name__ == "__main__":
    main()
