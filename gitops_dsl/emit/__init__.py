"""The emit stage: the YAML dialect (`yaml`, `emitter`), serialization (`files`), the manifest of
what gitops-dsl owns (`manifest`) and the all-or-nothing writer (`writer`, `journal`).

Nothing is imported here: reading the manifest (what a compile that replays needs) does not
load the serializer and PyYAML with it."""
