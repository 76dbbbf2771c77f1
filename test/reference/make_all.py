"""Regenerates every reference artefact in order, then runs the self-checks.

Run from anywhere:  python3 test/reference/make_all.py
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
STEPS = ["make_random_models.py", "llama_ref.py", "gpt2_ref.py", "neox_ref.py", "make_family_models.py", "families_ref.py",
         "self_checks.py"]

if __name__ == "__main__":
    for step in STEPS:
        print(f"== {step}", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, step)], cwd=REPO_ROOT, check=True)
