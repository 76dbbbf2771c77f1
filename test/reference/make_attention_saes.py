"""Attention-output SAEs on `hook_z`, for stories260K's block 1 (8 heads of 8 channels).

SAELens reads `blocks.<L>.attn.hook_z` [..., n_heads, d_head] flattened head-major to
[..., n_heads * d_head] (sae_lens/saes/sae.py, reshape_activations "hook_z":
`einops.rearrange(x, "... n_heads d_head -> ... (n_heads d_head)")`), and Gemma Scope's attention
release (google/gemma-scope-2b-pt-att) is a raw `params.npz` SAE on the same hook (SAELens's
loader: `"att" in repo_id` -> `blocks.{layer}.attn.hook_z`). This writes, with random weights of
d_in 64 and 32 latents:
- `saelens-attn-stories260k/blocks.1.attn.hook_z`: SAELens standard (ReLU) SAE, cfg.json with
  hook_name blocks.1.attn.hook_z and reshape_activations "hook_z", sae_weights.safetensors;
- `gemma-scope-stories260k-att/layer_1/width_32/average_l0_5/params.npz`: JumpReLU, np.savez;
plus each SAE's arrays as JSON for the test's independent expected values.

    python3 test/reference/make_attention_saes.py
"""
import os

import numpy as np

from make_sparsify_sae import write_arrays_json, write_saelens_folder

HERE = os.path.dirname(os.path.abspath(__file__))
SAES = os.path.join(HERE, '..', 'fixtures', 'saes')


def random_sae(rng, d_in, d_sae, threshold):
    arrays = {
        'W_enc': (rng.standard_normal((d_in, d_sae)) * 0.6).astype(np.float32),
        'W_dec': (rng.standard_normal((d_sae, d_in)) * 0.2).astype(np.float32),
        'b_enc': (rng.standard_normal(d_sae) * 0.2).astype(np.float32),
        'b_dec': (rng.standard_normal(d_in) * 0.05).astype(np.float32),
    }
    if threshold:
        arrays['threshold'] = np.where(np.arange(d_sae) % 2 == 0, 0.0, np.abs(rng.standard_normal(d_sae)) * 0.1).astype(np.float32)
    return arrays


def main():
    rng = np.random.default_rng(2418)
    d_in, d_sae = 64, 32
    saelens = random_sae(rng, d_in, d_sae, threshold=False)
    folder = os.path.join(SAES, 'saelens-attn-stories260k')
    cfg = {
        'architecture': 'standard', 'd_in': d_in, 'd_sae': d_sae, 'dtype': 'float32', 'device': 'cpu',
        'apply_b_dec_to_input': True, 'normalize_activations': 'none', 'reshape_activations': 'hook_z',
        'metadata': {'model_name': 'stories260K', 'hook_name': 'blocks.1.attn.hook_z', 'sae_lens_version': '6.18.0'},
    }
    write_saelens_folder(os.path.join(folder, 'blocks.1.attn.hook_z'), saelens, cfg)
    write_arrays_json(os.path.join(folder, 'arrays.json'), saelens)

    gemma = random_sae(rng, d_in, d_sae, threshold=True)
    out = os.path.join(SAES, 'gemma-scope-stories260k-att', 'layer_1', 'width_32', 'average_l0_5')
    os.makedirs(out, exist_ok=True)
    np.savez(os.path.join(out, 'params.npz'), **gemma)
    write_arrays_json(os.path.join(out, 'arrays.json'), gemma)


if __name__ == '__main__':
    main()
