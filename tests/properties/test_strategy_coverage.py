"""The platform strategy reaches the whole DSL: every feature that `features()` names appears in
at least a tenth of the examples the property tests draw (a narrow strategy proves little)."""
from __future__ import annotations

import pytest

import json
import os
import subprocess
import sys

from tests.helpers import REPO

#: the slow tier: thousands of generated platforms, counted by feature
pytestmark = pytest.mark.slow

SAMPLES = 200
FEATURES = {
    "zones:1", "zones:2", "zones:3", "layout:env-first", "layout:service-first",
    "layout:service-files", "depends_on", "explicit-wave", "inferred-wave", "negative-wave",
    "per-env-wave", "per-env-depends_on", "labels", "annotations", "info", "custom-namespace",
    "ignore_differences", "per-env-ignore_differences", "revision_history_limit", "cascade", "stateful", "release_name",
    "sync-layer", "sync-options", "manual-sync", "environments-subset", "standard-chart",
    "helm-chart", "git-path", "sealed", "sealed-strict", "sealed-namespace-wide",
    "sealed-cluster-wide", "secret-keys>1", "external-secret", "zone-overlay", "configs-repo",
    "repo-path", "multi-env",
}


def test_every_feature_appears_in_a_tenth_of_the_examples():
    run = subprocess.run([sys.executable, "-m", "tests.properties.coverage_sample", str(SAMPLES)],
                         cwd=REPO, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout)
    assert seen.pop("examples") == SAMPLES
    assert set(seen) <= FEATURES           # a new feature is listed, and so checked
    rare = {f: seen.get(f, 0) for f in FEATURES if seen.get(f, 0) < SAMPLES // 10}
    assert rare == {}, f"features in fewer than {SAMPLES // 10} of {SAMPLES} examples: {rare}"
