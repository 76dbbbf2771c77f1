"""Writes src/engine/features/sae-releases.json, the SAELens releases Reverie resolves by name,
from SAELens's `sae_lens/pretrained_saes.yaml` (jbloomAus/SAELens; MIT).

    python3 scripts/make-sae-releases.py <path to pretrained_saes.yaml> <SAELens commit>

Kept: the releases whose SAEs Reverie reads (SAELens folders, Gemma Scope params.npz SAEs on the
residual stream, MLP output and attention output (hook_z, flattened head-major), Gemma Scope
transcoders). For a release whose ids are not its paths (the `-canonical` ones:
`layer_12/width_16k/canonical` → `layer_12/width_16k/average_l0_82`) the id → path table is kept;
for the others the id is the path.
"""
import json
import os
import sys

import yaml

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'engine', 'features', 'sae-releases.json')

# release → the format of its files (what reads them)
KEEP = {
    'gpt2-small-res-jb': 'saelens',
    'gemma-scope-2b-pt-res': 'gemma-scope',
    'gemma-scope-2b-pt-mlp': 'gemma-scope',
    'gemma-scope-9b-pt-res': 'gemma-scope',
    'gemma-scope-9b-pt-mlp': 'gemma-scope',
    'gemma-scope-2b-pt-att': 'gemma-scope',
    'gemma-scope-9b-pt-att': 'gemma-scope',
    'gemma-scope-2b-pt-res-canonical': 'gemma-scope',
    'gemma-scope-2b-pt-mlp-canonical': 'gemma-scope',
    'gemma-scope-9b-pt-res-canonical': 'gemma-scope',
    'gemma-scope-9b-pt-mlp-canonical': 'gemma-scope',
    'gemma-scope-2b-pt-att-canonical': 'gemma-scope',
    'gemma-scope-9b-pt-att-canonical': 'gemma-scope',
    'gemma-scope-9b-it-res-canonical': 'gemma-scope',
    'gemma-scope-27b-pt-res-canonical': 'gemma-scope',
    'gemma-scope-2b-pt-transcoders': 'gemma-scope',
}


def main():
    path, commit = sys.argv[1], sys.argv[2]
    with open(path) as f:
        table = yaml.safe_load(f)
    releases = {}
    for name, fmt in KEEP.items():
        r = table[name]
        entry = {'repo': r['repo_id'], 'format': fmt}
        ids = {s['id']: s['path'] for s in r['saes']}
        if any(k != v for k, v in ids.items()):
            entry['ids'] = ids
        releases[name] = entry
    doc = {
        'source': {'repo': 'jbloomAus/SAELens', 'path': 'sae_lens/pretrained_saes.yaml', 'commit': commit, 'license': 'MIT'},
        'generatedBy': 'scripts/make-sae-releases.py',
        'releases': releases,
    }
    with open(OUT, 'w') as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write('\n')


if __name__ == '__main__':
    main()
