"""Fixture layout for the random tiny models, whose 50k-wide logits are stored only at sampled vocabulary ids."""

import numpy as np

from fixture_io import ENCODING_NOTE, FORMAT, generator, source_file, tensor
from ops import logsumexp, top2_margin


def sampled_vocab_ids(vocab, seed, count=64):
    """count distinct ids: 0, vocab - 1 and count - 2 others drawn uniformly by seed; ascending."""
    rng = np.random.default_rng(seed)
    inner = rng.choice(np.arange(1, vocab - 1), size=count - 2, replace=False)
    return sorted(int(i) for i in [0, vocab - 1, *inner])


def case(name, ids, logits, hooks, vocab_ids, hook_names):
    return {
        "name": name,
        "input_ids": [int(i) for i in ids],
        "logits": tensor(logits[:, vocab_ids]),
        "logsumexp": tensor(logsumexp(logits)),
        "argmax": [int(i) for i in np.argmax(logits, axis=-1)],
        "argmax_margin": tensor(top2_margin(logits)),
        "hooks": {h: tensor(hooks[h]) for h in hook_names},
    }


def build(script, command, name, family, model_file, config, sequences, forward, vocab_ids, hook_definitions):
    cases = []
    for ids in sequences:
        logits, hooks = forward(ids)
        cases.append(case(f"len{len(ids)}", ids, logits, hooks, vocab_ids, list(hook_definitions)))
    return {
        "format": FORMAT,
        "generator": generator(script, command),
        "model": {"name": name, "family": family, "source": source_file(model_file), "config": config},
        "encoding": ENCODING_NOTE,
        "hook_definitions": hook_definitions,
        "logits_vocab_ids": vocab_ids,
        "cases": cases,
    }
