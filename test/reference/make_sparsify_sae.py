"""A TopK SAE in EleutherAI sparsify's layout, for stories260K's residual stream after block 2.

sparsify saves each hookpoint's SAE in a folder named by the hookpoint (`layers.2`) holding
`cfg.json` (SparseCoderConfig's fields plus d_in) and `sae.safetensors` with `encoder.weight`
[num_latents, d_in], `encoder.bias`, `W_dec` [num_latents, d_in] and `b_dec` [d_in]. Encoding is
relu((x - b_dec) @ encoder.weight.T + encoder.bias), of which each token keeps its k largest
(sparse_coder.py `encode`, fused_encoder.py). This writes one with random weights, d_in 64 and 32
latents, k = 4, in that layout (the safetensors file by hand: an 8-byte header length, the JSON
header, the raw little-endian data), plus the arrays as JSON for the test's independent expected
values.

    python3 test/reference/make_sparsify_sae.py
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'saes', 'sparsify-stories260k', 'layers.2')


def write_safetensors(path, arrays):
    header, offset, blobs = {}, 0, []
    for name, a in arrays.items():
        data = np.ascontiguousarray(a, dtype='<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header['__metadata__'] = {'format': 'pt'}
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def write_saelens_folder(folder, arrays, cfg):
    """A SAELens SAE folder: cfg.json and sae_weights.safetensors."""
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, 'sae_weights.safetensors'), arrays)
    with open(os.path.join(folder, 'cfg.json'), 'w') as f:
        json.dump(cfg, f, indent=2)


def write_arrays_json(path, arrays):
    """The arrays as JSON ({name: {shape, data}}), for tests' independent expected values."""
    with open(path, 'w') as f:
        json.dump({k: {'shape': list(v.shape), 'data': [float(x) for x in v.ravel()]} for k, v in arrays.items()}, f)


def main():
    rng = np.random.default_rng(2407)
    d_in, n = 64, 32
    arrays = {
        'encoder.weight': (rng.standard_normal((n, d_in)) * 0.4).astype(np.float32),
        'encoder.bias': (rng.standard_normal(n) * 0.5).astype(np.float32),
        'W_dec': (rng.standard_normal((n, d_in)) * 0.2).astype(np.float32),
        'b_dec': (rng.standard_normal(d_in) * 0.3).astype(np.float32),
    }
    os.makedirs(OUT, exist_ok=True)
    write_safetensors(os.path.join(OUT, 'sae.safetensors'), arrays)
    cfg = {'activation': 'topk', 'expansion_factor': 32, 'normalize_decoder': True, 'num_latents': n, 'k': 4,
           'multi_topk': False, 'skip_connection': False, 'transcode': False, 'd_in': d_in}
    with open(os.path.join(OUT, 'cfg.json'), 'w') as f:
        json.dump(cfg, f)
    write_arrays_json(os.path.join(OUT, '..', 'arrays.json'), arrays)


if __name__ == '__main__':
    main()
