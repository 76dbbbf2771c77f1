"""float64 building blocks shared by the reference forward passes (single sequence, no batch axis)."""

import math

import numpy as np


def rms_normalize(x, eps):
    """x / sqrt(mean(x^2) + eps) over the last axis (TransformerLens RMSNorm hook_normalized)."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)


def layer_normalize(x, eps):
    """(x - mean) / sqrt(biased var + eps) over the last axis (TransformerLens LayerNorm hook_normalized)."""
    centred = x - np.mean(x, axis=-1, keepdims=True)
    return centred / np.sqrt(np.mean(centred * centred, axis=-1, keepdims=True) + eps)


def silu(x):
    return x / (1.0 + np.exp(-x))


def gelu_exact(x):
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def gelu_tanh(x):
    """GPT-2's gelu_new."""
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def logsumexp(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return (m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))).squeeze(axis)


def top2_margin(logits):
    """Per row, the best logit minus the runner-up: how safely the argmax survives float32 noise."""
    top = np.sort(logits, axis=-1)[:, -2:]
    return top[:, 1] - top[:, 0]


def rotary_angles(n_positions, rotary_dim, theta):
    """angles[pos, j] = pos * theta^(-2j / rotary_dim) for pair j in [0, rotary_dim / 2)."""
    j = np.arange(rotary_dim // 2, dtype=np.float64)
    inv_freq = theta ** (-2.0 * j / rotary_dim)
    return np.arange(n_positions, dtype=np.float64)[:, None] * inv_freq[None, :]


def apply_rotary(x, theta, rotary_dim, pairing):
    """Rotate the first rotary_dim dims of each head of x [n, heads, head_dim].

    pairing 'adjacent' (llama2.c): dims 2j and 2j+1 form pair j.
    pairing 'half' (HF rotate_half): dims j and j + rotary_dim/2 form pair j.
    Pair (a, b) becomes (a cos - b sin, b cos + a sin).
    """
    n = x.shape[0]
    half = rotary_dim // 2
    angles = rotary_angles(n, rotary_dim, theta)[:, None, :]  # [n, 1, half]
    cos, sin = np.cos(angles), np.sin(angles)
    out = x.copy()
    if pairing == "adjacent":
        a, b = x[..., 0:rotary_dim:2], x[..., 1:rotary_dim:2]
        out[..., 0:rotary_dim:2] = a * cos - b * sin
        out[..., 1:rotary_dim:2] = b * cos + a * sin
    elif pairing == "half":
        a, b = x[..., :half], x[..., half:rotary_dim]
        out[..., :half] = a * cos - b * sin
        out[..., half:rotary_dim] = b * cos + a * sin
    else:
        raise ValueError(f"unknown rotary pairing {pairing!r}")
    return out


def causal_attention(q, k, v):
    """q [n, H, d], k/v [n, H, d] (kv heads already matched to query heads).

    Returns (z [n, H, d], pattern [H, n, n]) with scores scaled by 1/sqrt(d) and
    future positions given probability exactly 0.
    """
    n, _, d = q.shape
    scores = np.einsum("qhd,khd->hqk", q, k) / math.sqrt(d)
    future = np.triu(np.ones((n, n), dtype=bool), k=1)
    scores = np.where(future[None], -np.inf, scores)
    pattern = softmax(scores, axis=-1)
    z = np.einsum("hqk,khd->qhd", pattern, v)
    return z, pattern
