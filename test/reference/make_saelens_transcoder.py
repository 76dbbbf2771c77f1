"""A JumpReLU transcoder in SAELens's layout, for stories260K's MLP of block 1.

SAELens (sae_lens/saes/transcoder.py) saves a transcoder like an SAE — a folder with `cfg.json`
and `sae_weights.safetensors` — with W_enc [d_in, d_sae], b_enc [d_sae], W_dec [d_sae, d_out],
b_dec [d_out] (the *output* bias) and, for `jumprelu_transcoder`, threshold [d_sae]. It reads its
input at `hook_name` (in v6 under `metadata`) and reconstructs `hook_name_out`. Encoding never
subtracts b_dec (process_sae_in is overridden: b_dec is in the output space):
    pre = x @ W_enc + b_enc;  act = relu(pre) * (pre > threshold)    (jumprelu_transcoder)
                              act = relu(pre)                         (transcoder, skip_transcoder)
This writes one with random weights, d_in = d_out = 64, 24 latents, reading
blocks.1.ln2.hook_normalized and writing blocks.1.hook_mlp_out, and the arrays as JSON for the
test's independent expected values. Thresholds are |N(0, 0.5)|, so that for ordinary prompts
some latents are on and some off.

    python3 test/reference/make_saelens_transcoder.py
"""
import os

import numpy as np

from make_sparsify_sae import write_arrays_json, write_saelens_folder

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'saes', 'transcoder-stories260k')


def main():
    rng = np.random.default_rng(1207)
    d_in, d_sae, d_out = 64, 24, 64
    arrays = {
        'W_enc': (rng.standard_normal((d_in, d_sae)) * 0.3).astype(np.float32),
        'b_enc': (rng.standard_normal(d_sae) * 0.2).astype(np.float32),
        'W_dec': (rng.standard_normal((d_sae, d_out)) * 0.2).astype(np.float32),
        'b_dec': (rng.standard_normal(d_out) * 3.0).astype(np.float32),  # large: subtracting it by mistake shows
        'threshold': np.abs(rng.standard_normal(d_sae) * 0.5).astype(np.float32),
    }
    cfg = {
        'architecture': 'jumprelu_transcoder', 'd_in': d_in, 'd_sae': d_sae, 'd_out': d_out, 'dtype': 'float32',
        'device': 'cpu', 'apply_b_dec_to_input': False, 'normalize_activations': 'none', 'reshape_activations': 'none',
        'hook_name_out': 'blocks.1.hook_mlp_out', 'hook_layer_out': 1, 'hook_head_index_out': None,
        'metadata': {'model_name': 'stories260K', 'hook_name': 'blocks.1.ln2.hook_normalized', 'sae_lens_version': '6.12.1'},
    }
    write_saelens_folder(os.path.join(OUT, 'blocks.1.mlp'), arrays, cfg)
    write_arrays_json(os.path.join(OUT, 'arrays.json'), arrays)


if __name__ == '__main__':
    main()
