"""Draw the property tests' platforms with a fixed seed and print how often each feature of
tests.strategies.features() appears (JSON). Run in its own process by test_strategy_coverage.py,
so that what other tests did in the same process cannot change the draw."""
from __future__ import annotations

import json
import sys
from collections import Counter

from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.properties.invariants import compiled
from tests.strategies import features, platforms


def sample(count: int) -> Counter[str]:
    seen: Counter[str] = Counter()

    @seed(20261128)
    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(platforms())
    def draw(platform):
        seen["examples"] += 1
        seen.update(features(platform))
        assert compiled(platform).ok        # every example is a valid platform

    draw()
    return seen


if __name__ == "__main__":
    print(json.dumps(sample(int(sys.argv[1]))))
