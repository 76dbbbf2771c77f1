"""A Gemma Scope SAE in its raw release layout, for stories260K's residual stream after block 2.

Gemma Scope (google/gemma-scope-*) ships each SAE as `layer_<L>/width_<W>/average_l0_<K>/params.npz`
written with NumPy: W_enc [d_in, d_sae], W_dec [d_sae, d_in], b_enc [d_sae], b_dec [d_in] and
threshold [d_sae] (JumpReLU: latent = pre * (pre > threshold), pre = x @ W_enc + b_enc — the
encoder does not subtract b_dec). This writes one with random weights of stories260K's width
(d_in 64) and 32 latents with `np.savez` itself — the file layout and field names are the real
ones — plus the same arrays as JSON lists, so the test's expected latents do not depend on
Reverie's .npz reader.

    python3 test/reference/make_gemma_scope_sae.py
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'saes', 'gemma-scope-stories260k-res', 'layer_2', 'width_32', 'average_l0_6')


def main():
    rng = np.random.default_rng(2402)
    d_in, d_sae = 64, 32
    arrays = {
        'W_enc': (rng.standard_normal((d_in, d_sae)) * 0.4).astype(np.float32),
        'W_dec': (rng.standard_normal((d_sae, d_in)) * 0.2).astype(np.float32),
        'b_enc': (rng.standard_normal(d_sae) * 0.5).astype(np.float32),
        'b_dec': (rng.standard_normal(d_in) * 0.3).astype(np.float32),
        # Some latents gate at 0 (plain ReLU), others at a positive threshold.
        'threshold': np.where(np.arange(d_sae) % 2 == 0, 0.0, np.abs(rng.standard_normal(d_sae)) * 0.3).astype(np.float32),
    }
    os.makedirs(OUT, exist_ok=True)
    np.savez(os.path.join(OUT, 'params.npz'), **arrays)
    # The same arrays deflated (np.savez_compressed), for the .npz reader's other storage method.
    np.savez_compressed(os.path.join(HERE, '..', 'fixtures', 'saes', 'params-compressed.npz'), **arrays)
    with open(os.path.join(OUT, 'arrays.json'), 'w') as f:
        json.dump({k: {'shape': list(v.shape), 'data': [float(x) for x in v.ravel()]} for k, v in arrays.items()}, f)


if __name__ == '__main__':
    main()
