"""The project's mutants: plausible bugs, each a one-place edit of the package. The suite must
kill every one, and the property tests alone each of those that break an invariant they state
(`FOR_THE_PROPERTIES`; mutation/run.py).

The first eight are the bugs an audit once found surviving the whole suite."""
from __future__ import annotations

from typing import NamedTuple


class Mutant(NamedTuple):
    name: str
    file: str        # relative to gitops_dsl/
    old: str         # must occur exactly once
    new: str
    killers: tuple[str, ...] = ()   # tests expected to kill it (run before the whole suite)


#: the mutants that break an invariant the property tests (tests/properties) state - layering,
#: waves, rendering, determinism, the model and the import round trip: those tests alone must
#: kill each of them
FOR_THE_PROPERTIES = frozenset({
    "application labels in declaration order",
    "environment and service sync layers swapped",
    "revision history default off by one",
    "stateful services keep the cascading finalizer",
    "{service} left in namespaces",
    "an overlay's ignore_differences ignored",
    "Helm values merged one level deep only",
    "an inferred wave two after its dependency",
    "per-environment depends_on ignored",
    "a zone's values ignored",
    "user maps written in declaration order",
    "value files in the wrong order",
    "the $values source named value",
    "the configs repository missing from a project",
    "refresh paths without the value files",
    "a sealed value's scope lost",
    "strings that read as other types left unquoted",
    "import forgets Argo CD's default release name",
    "the lean __init__ validates nothing",
})


MUTANTS = [
    # --- the survivors of the first audit
    Mutant("application labels in declaration order", "render/apps.py",
           "labels=_sorted(labels), annotations=_sorted(annotations)",
           "labels=labels or None, annotations=_sorted(annotations)"),
    Mutant("a sibling folder build2/ passes for build/", "emit/paths.py",
           "if real_parent != real_out and not real_parent.startswith(real_out + os.sep):",
           "if real_parent != real_out and not real_parent.startswith(real_out):",
           ("tests/emit/test_writer.py",)),
    Mutant("seal --service seals a namespace-wide secret as strict", "cli/seal.py",
           "scope or target.scope", 'scope or "strict"', ("tests/test_seal_cli.py",)),
    Mutant("GD206 misses services in one wave here and two waves there", "checks/ordering.py",
           "        if two[low] != two[high]:\n", "        if False:\n", ("tests/checks/test_rules.py",)),
    Mutant("GD410 ignores the destination namespace", "argo/globs.py",
           "ns_ok = glob_match(i_ns, namespace)", "ns_ok = True",
           ("tests/checks/test_project_globs.py", "tests/argo/test_globs.py")),
    Mutant("diff drops fields that were removed", "review/diff.py",
           "    changes = []\n    for path in sorted(set(old) | set(new)):",
           "    changes = []\n    for path in sorted(set(new)):",
           ("tests/review/test_diff.py",)),
    Mutant("a registry allow-list admits evilghcr.io for ghcr.io", "zones/policy.py",
           'name.startswith(a.rstrip("/") + "/")', 'a.rstrip("/") in name',
           ("tests/zones/test_bundle.py",)),
    Mutant("import drops annotations without a note", "importer/normalize.py",
           'notes.append(f"annotation {key} not imported")', "pass", ("tests/test_import.py",)),
    # --- layering, waves and rendering: what the property tests are for
    Mutant("environment and service sync layers swapped", "resolve.py",
           "_sync_policy(platform.sync, env.sync, service.sync,",
           "_sync_policy(platform.sync, service.sync, env.sync,"),
    Mutant("revision history default off by one", "resolve.py",
           "DEFAULT_REVISION_HISTORY_LIMIT = 10", "DEFAULT_REVISION_HISTORY_LIMIT = 11"),
    Mutant("stateful services keep the cascading finalizer", "resolve.py",
           "if layer is service and service.stateful:", "if layer is service and False:"),
    Mutant("{service} left in namespaces", "resolve.py",
           '"{env}", env.name).replace("{service}", service.name)\n    chart',
           '"{env}", env.name)\n    chart'),
    Mutant("an overlay's ignore_differences ignored", "resolve.py",
           "o.ignore_differences if o is not None and o.ignore_differences is not None",
           "o.ignore_differences if False"),
    Mutant("Helm values merged one level deep only", "merging.py",
           "merged[key] = deep_merge(base[key], value) if key in base else value",
           "merged[key] = value"),
    Mutant("an inferred wave two after its dependency", "wave_order.py",
           "number = max(known) + 1 if known else 0", "number = max(known) + 2 if known else 0"),
    Mutant("per-environment depends_on ignored", "resolve.py",
           "own_deps[name] if overlay is None or overlay.depends_on is None",
           "own_deps[name] if True"),
    Mutant("a zone's values ignored", "resolve.py",
           "zone_layer = service.per_zone.get(zone.name)", "zone_layer = None"),
    Mutant("user maps written in declaration order", "render/values.py",
           "canonical(app.values), app))", "app.values, app))"),
    Mutant("value files in the wrong order", "render/apps.py",
           "    if app.values:\n        files.append(names.values_file(app.service.name, zone=app.values_zone))\n"
           "    if app.env_values:\n        files.append(names.values_file(app.service.name, app.env.name))\n",
           "    if app.env_values:\n        files.append(names.values_file(app.service.name, app.env.name))\n"
           "    if app.values:\n        files.append(names.values_file(app.service.name, zone=app.values_zone))\n"),
    Mutant("the $values source named value", "render/apps.py",
           'sources.append(_ref_source(platform.gitops_repo, "values"))',
           'sources.append(_ref_source(platform.gitops_repo, "value"))'),
    Mutant("the configs repository missing from a project", "render/projects.py",
           "        if configs:\n            repos.add(platform.configs.url)",
           "        if False:\n            repos.add(platform.configs.url)"),
    Mutant("refresh paths without the value files", "render/apps.py",
           'paths.add("/" + names.in_repo(platform, f))', "pass"),
    Mutant("a sealed value's scope lost", "render/values.py",
           '"scope": secrets.scope,', '"scope": "strict",'),
    Mutant("strings that read as other types left unquoted", "emit/yaml.py",
           "            style = '\"'\n", "            style = None\n"),
    # --- the direct emitter, the input record, diff's shortcuts, names on import
    Mutant("the direct emitter folds one column late", "emit/emitter.py",
           "if (column + (i - start) > WIDTH and i > 0", "if (column + (i - start) > WIDTH + 1 and i > 0",
           ("tests/emit/test_emitter.py",)),
    Mutant("a no-op compile trusts the files it read without reading them again", "fingerprint.py",
           "all(file_digest(p) == d for p, d in self.files.items())",
           "all(True for p, d in self.files.items())", ("tests/test_fingerprint.py",)),
    Mutant("diff overlooks the Applications that name a changed value file", "review/diff.py",
           "            if any(rest in data for rest in read):", "            if False:",
           ("tests/review/test_diff.py",)),
    Mutant("import forgets Argo CD's default release name", "importer/writer.py",
           "[per_env[e].release_name or per_env[e].name for e in helm]",
           "[per_env[e].release_name or name for e in helm]"),
    # --- per-service reuse
    Mutant("reuse keys ignore a service's pins", "reuse.py",
           "self._hash(service, pins.get(name, ()))",
           "self._hash(service, ())", ("tests/test_reuse.py",)),
    Mutant("reuse keys ignore the waves other services give a service", "reuse.py",
           "app.renaming_to, app.wave,\n                app.wave_name, app.depends_on,",
           "app.renaming_to,\n                app.depends_on,",
           ("tests/test_reuse.py",)),
    Mutant("a reused service's files are trusted though edited since", "incremental.py",
           "if not untouched_since(self.base + path, size, self.written_at)}",
           "if False}", ("tests/test_reuse.py",)),
    # --- the code cache
    Mutant("a cache file is trusted without its tag", "bound.py",
           "if stat.S_ISREG(info.st_mode) and mark is not None and hmac.compare_digest(expected, mark):",
           "if stat.S_ISREG(info.st_mode):", ("tests/test_codecache.py",)),
    Mutant("a code cache entry is found without the source it was made of", "codecache.py",
           "    h.update(source)\n", "", ("tests/test_codecache.py",)),
    Mutant("reuse keys without the columns of locations", "reuse.py",
           "return (Location, (obj.file, obj.line, self.columns.of(obj)))",
           "return (Location, (obj.file, obj.line))", ("tests/test_reuse.py",)),
    # --- shared objects in reuse keys, the manifest made from the last one, the lean __init__
    Mutant("reuse keys name a shared object (a SyncPolicy many services hold) without its content",
           "reuse.py", "return (_named, (cls.__module__, cls.__qualname__, known[1]))",
           "return (_named, (cls.__module__, cls.__qualname__))", ("tests/test_reuse.py",)),
    Mutant("a manifest made from the last one keeps the old line of a changed entry",
           "emit/manifest.py", 'spans.append((at + 1, at + len(line) - 1, f"{new[0]}  {new[1]}  {new[2]}  {path}"))',
           'spans.append((at + 1, at + len(line) - 1, f"{old[0]}  {old[1]}  {old[2]}  {path}"))',
           ("tests/emit/test_writer.py",)),
    Mutant("a manifest parsed from text is taken for one manifest_bytes wrote", "emit/manifest.py",
           'owned, ours = parse_manifest(data.decode("utf-8")), False',
           'owned, ours = parse_manifest(data.decode("utf-8")), True', ("tests/emit/test_writer.py",)),
    Mutant("reused units' files are taken though a hand edit touched them since",
           "reuse.py", "    touched = previous.touched.paths()\n    if touched:",
           "    touched = previous.touched.paths()\n    if False:", ("tests/test_reuse.py",)),
    Mutant("the lean __init__ validates nothing", "model/_init.py",
           'source += ["    if not _validating():", *checks]', 'source += ["    if False:", *checks]',
           ("tests/test_model_fuzz.py",)),
    # --- what git ignores is not in Argo CD's checkout; the leak scan's reach
    Mutant("preflight renders files git ignores", "charts/committed.py",
           'for name in names if f"{prefix}{name}" not in listed)', "for name in names if False)",
           ("tests/preflight/test_committed.py",)),
    Mutant("the record forgets what decides what git ignores", "checks/git_paths.py",
           "    for path in decided_by:\n        observe(path)",
           "    for path in decided_by:\n        pass", ("tests/checks/test_git_paths.py",)),
    Mutant("GD504 does not read a YAML file in flow style", "secrets/scan.py",
           'return "{" in text and any(', "return False and any(",
           ("tests/checks/test_credential_shapes.py",)),
    Mutant("GD504 does not judge a list under a key a secret is the value of", "secrets/scan.py",
           "(item, (*parts, key), _key_class(key) is True)", "(item, (*parts, key), False)",
           ("tests/checks/test_secret_placements.py",)),
    Mutant("GD504 calls an argocd-vault-plugin placeholder a secret", "secrets/scan.py",
           'or (text.startswith("<") and text.endswith(">") and "\\n" not in text))', ")",
           ("tests/checks/test_secret_placements.py",)),
]
