"""A TopK SAE in SAELens's layout (sae_lens/saes/topk_sae.py, architecture "topk"), for
stories260K's residual stream after block 2.

SAELens saves it like any SAE — `cfg.json` and `sae_weights.safetensors` with W_enc [d_in, d_sae],
b_enc, W_dec [d_sae, d_in], b_dec — with `k` in the config. Encoding is
    pre = (x - b_dec) @ W_enc + b_enc         (x without - b_dec when apply_b_dec_to_input is false)
    pre = pre * ||W_dec[i]||                  (only when rescale_acts_by_decoder_norm is true)
    act = relu of the k largest pre per token, 0 elsewhere   (TopK.forward: topk, then relu)
This writes two with the same random weights, d_in 64, 32 latents, k = 4: `blocks.2.topk`, and
`blocks.2.topk-rescaled` with rescale_acts_by_decoder_norm, plus the arrays as JSON for the test's
independent expected values. W_dec's rows have norms far from 1 so that the rescaling shows.

    python3 test/reference/make_saelens_topk_sae.py
"""
import os

import numpy as np

from make_sparsify_sae import write_arrays_json, write_saelens_folder

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'saes', 'saelens-topk-stories260k')


def main():
    rng = np.random.default_rng(2412)
    d_in, d_sae = 64, 32
    arrays = {
        'W_enc': (rng.standard_normal((d_in, d_sae)) * 0.4).astype(np.float32),
        'b_enc': (rng.standard_normal(d_sae) * 0.5).astype(np.float32),
        'W_dec': (rng.standard_normal((d_sae, d_in)) * rng.uniform(0.02, 0.4, (d_sae, 1))).astype(np.float32),
        'b_dec': (rng.standard_normal(d_in) * 0.3).astype(np.float32),
    }
    for name, rescale in (('blocks.2.topk', False), ('blocks.2.topk-rescaled', True)):
        cfg = {
            'architecture': 'topk', 'd_in': d_in, 'd_sae': d_sae, 'k': 4, 'rescale_acts_by_decoder_norm': rescale,
            'dtype': 'float32', 'device': 'cpu', 'apply_b_dec_to_input': True, 'normalize_activations': 'none',
            'reshape_activations': 'none',
            'metadata': {'model_name': 'stories260K', 'hook_name': 'blocks.2.hook_resid_post', 'sae_lens_version': '6.12.1'},
        }
        write_saelens_folder(os.path.join(OUT, name), arrays, cfg)
    write_arrays_json(os.path.join(OUT, 'arrays.json'), arrays)


if __name__ == '__main__':
    main()
