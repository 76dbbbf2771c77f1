"""Writing reference fixtures: tensor encoding, provenance, compact-but-diffable JSON."""

import hashlib
import json
import os
import platform
import sys

import numpy as np

REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIXTURE_DIR = os.path.join(REPO_ROOT, "test", "fixtures")
SIGNIFICANT_DIGITS = 7
FORMAT = "reverie-reference-v1"
ENCODING_NOTE = ("Each tensor is {\"shape\": [...], \"data\": [...]}: data is the row-major (C order) "
                 "flattening, each float64 value rounded to 7 significant digits.")


def tensor(values):
    arr = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError("refusing to store a non-finite value in a fixture")
    flat = [float(f"{v:.{SIGNIFICANT_DIGITS}g}") for v in arr.reshape(-1)]
    return {"shape": list(arr.shape), "data": flat}


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def display_path(path):
    """Repo-relative path for files inside the repo, absolute otherwise."""
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute, REPO_ROOT)
    return absolute if rel.startswith("..") else rel.replace(os.sep, "/")


def source_file(path):
    return {"path": display_path(path), "sha256": sha256_of(path)}


def generator(script_file, command):
    return {
        "script": display_path(script_file),
        "command": command,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "dtype": "float64",
    }


def _dumps(obj, indent=0):
    """JSON with one key per line but every list of scalars on a single line (keeps diffs readable, files small)."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {_dumps(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in obj):
            return "[" + ",".join(json.dumps(v) for v in obj) + "]"
        return "[\n" + ",\n".join(inner + _dumps(v, indent + 1) for v in obj) + "\n" + pad + "]"
    if isinstance(obj, (np.integer,)):
        return str(int(obj))
    if isinstance(obj, (np.floating,)):
        return json.dumps(float(obj))
    return json.dumps(obj, ensure_ascii=False)


def write_fixture(name, content):
    path = os.path.join(FIXTURE_DIR, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(_dumps(content) + "\n")
    print(f"wrote {display_path(path)} ({os.path.getsize(path)} bytes)", file=sys.stderr)
    return path
