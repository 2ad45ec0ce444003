"""The cattrs round trip of the model, and byte-identical output under other hash seeds."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from hypothesis import HealthCheck, given, settings

from gitops_dsl.model import Platform
from gitops_dsl.convert import structure, unstructure
from tests.helpers import REPO, scaled
from tests.properties.invariants import compiled
from tests.strategies import platforms


@given(platforms())
def test_model_unstructured_and_structured_back_is_equal(platform):
    data = unstructure(platform)
    assert json.loads(json.dumps(data)) == data  # plain JSON data
    assert structure(data, Platform) == platform


@settings(max_examples=scaled(4), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(platforms(max_services=5))
def test_hash_seed_does_not_change_a_byte(platform):
    assert compiled(platform).ok
    text = json.dumps(unstructure(platform))
    digests = set()
    for seed in ("1", "2", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        run = subprocess.run([sys.executable, "-m", "tests.compile_json"], input=text, text=True,
                             capture_output=True, cwd=REPO, env=env, timeout=60)
        assert run.returncode == 0, run.stderr
        digests.add(run.stdout.strip())
    assert len(digests) == 1 and "errors" not in digests
