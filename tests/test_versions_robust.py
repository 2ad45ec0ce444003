"""The versions file is edited by machines and read by humans: malformed input is refused at its
line, and an edit changes exactly the intended line and nothing else (line endings, BOM, mode,
symlinks included)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_dsl.versions.file import EditError, parse, set_pin
from tests.helpers import MINIMAL, make_project, run_cli, scaled

SOURCE = MINIMAL.replace('image=Image("ghcr.io/acme/api", "1.0.0")', 'image=Image("ghcr.io/acme/api")')


def problems(text: str) -> list[str]:
    return [d.message for d in parse(Path("versions.yaml"), text)[1]]


@pytest.mark.parametrize("text, message", [
    ("services:\n  api:\n    image: 1.0.0\n  api:\n    image: 2.0.0\n", "twice"),
    ("services:\n  api:\n    image: 1.0.0\n    image: 2.0.0\n", "twice"),
    ('services:\n  api:\n    image: "2.3.0\\n"\n', "is not a valid image tag"),
    ("services:\n  db:\n    chart: 01.2.3\n", "is not a valid exact chart version"),
    ("services:\n  api:\n    image: !foo 1.0\n", "tag"),
    ("services:\n  api:\n    envs:\n      prod:\n        image: 1\n      prod:\n        image: 2\n", "twice"),
])
def test_malformed_pins_are_refused_at_their_line(text, message):
    found = problems(text)
    assert found and any(message in m for m in found), found


def test_a_bom_is_read_and_kept():
    text = "\ufeffservices:\n  api:\n    image: 1.0.0\n"
    assert problems(text) == []
    edited = set_pin(text, "api", "image", "1.1.0")
    assert edited == "\ufeffservices:\n  api:\n    image: 1.1.0\n"


def test_crlf_line_endings_are_kept():
    text = "# pins\r\nservices:\r\n  api:\r\n    image: 1.0.0\r\n"
    edited = set_pin(set_pin(text, "api", "image", "1.1.0"), "api", "image", "2.0.0", "prod")
    assert edited == ("# pins\r\nservices:\r\n  api:\r\n    image: 1.1.0\r\n    envs:\r\n"
                      "      prod:\r\n        image: 2.0.0\r\n")


@pytest.mark.parametrize("value", ["!foo 1.0", "&a 1.0", "*a", "1.0\nchart: 9", "1.0 # x", "latest:x",
                                   "", "a" * 200])
def test_an_edit_value_that_is_not_a_pin_is_refused(value):
    with pytest.raises(EditError):
        set_pin("services:\n  api:\n    image: 1.0.0\n", "api", "image", value)


def test_set_image_keeps_mode_and_symlink(tmp_path):
    project = make_project(tmp_path / "p", SOURCE)
    real = project / "shared-versions.yaml"
    real.write_bytes(b"services:\r\n  api:\r\n    image: 1.0.0\r\n")
    os.chmod(real, 0o600)
    (project / "platforms/versions.yaml").symlink_to(real)
    run = run_cli("set-image", "api", "1.1.0", "--no-compile", cwd=project)
    assert run.returncode == 0, run.stderr
    assert (project / "platforms/versions.yaml").is_symlink()
    assert real.read_bytes() == b"services:\r\n  api:\r\n    image: 1.1.0\r\n"
    assert (os.stat(real).st_mode & 0o777) == 0o600


def test_set_image_refuses_a_hostile_value(tmp_path):
    project = make_project(tmp_path / "p", SOURCE)
    (project / "platforms/versions.yaml").write_text("services:\n  api:\n    image: 1.0.0\n")
    run = run_cli("set-image", "api", "!foo 1.0", cwd=project)
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert (project / "platforms/versions.yaml").read_text() == "services:\n  api:\n    image: 1.0.0\n"


names = st.sampled_from(["api", "web", "db", "cache", "worker"])
envs = st.sampled_from(["dev", "stg", "prod"])
tags = st.from_regex(r"[0-9]\.(0|[1-9][0-9]?)\.[0-9](-rc\.[0-9])?", fullmatch=True)


@st.composite
def versions_files(draw):
    services = draw(st.dictionaries(names, st.fixed_dictionaries(
        {}, optional={"image": tags, "chart": tags,
                      "envs": st.dictionaries(envs, st.fixed_dictionaries({"image": tags}), max_size=2)}),
        min_size=1, max_size=4))
    lines = ["# pins", "services:"]
    for name, pins in services.items():
        lines.append(f"  {name}:  # {name}")
        for field in ("image", "chart"):
            if field in pins:
                lines.append(f"    {field}: {pins[field]}")
        if pins.get("envs"):
            lines.append("    envs:")
            for env, env_pins in pins["envs"].items():
                lines += [f"      {env}:", f"        image: {env_pins['image']}"]
        if len(lines[-1].strip().split(":")) == 2 and lines[-1].endswith(":  # " + name):
            lines.append("    image: 0.0.1")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return bom + newline.join(lines) + newline


@settings(max_examples=scaled(200), deadline=None)
@given(text=versions_files(), service=names, field=st.sampled_from(["image", "chart"]),
       env=st.one_of(st.none(), envs), value=tags)
def test_an_edit_changes_only_the_intended_pin(text, service, field, env, value):
    edited = set_pin(text, service, field, value, env)
    versions, found = parse(Path("v.yaml"), edited)
    assert found == []
    pin = versions.env_pins.get((service, env, field)) if env else versions.service_pins.get((service, field))
    assert pin is not None and pin.value == value
    before, after = parse(Path("v.yaml"), text)[0], versions
    others_before = {k: p.value for k, p in {**before.service_pins, **before.env_pins}.items()
                     if k not in ((service, field), (service, env, field))}
    others_after = {k: p.value for k, p in {**after.service_pins, **after.env_pins}.items()
                    if k not in ((service, field), (service, env, field))}
    assert others_before == others_after
    old_lines, new_lines = text.splitlines(keepends=True), edited.splitlines(keepends=True)
    kept = [line for line in old_lines if line in new_lines]
    assert len(old_lines) - len(kept) <= 1                  # at most the pin's own line changed
    newline = "\r\n" if "\r\n" in text else "\n"
    assert all(line.endswith(newline) for line in new_lines)
    assert edited.startswith("\ufeff") == text.startswith("\ufeff")
    yaml.safe_load(edited.lstrip("\ufeff"))


def test_a_pin_that_would_change_nothing_is_refused(tmp_path):
    project = make_project(tmp_path / "p", SOURCE)
    (project / "platforms/versions.yaml").write_text("services:\n  api:\n    image: 1.0.0\n")
    before = (project / "platforms/versions.yaml").read_text()
    image = run_cli("set-image", "db", "1.2.3", cwd=project)     # db is a Helm chart, no Image
    assert image.returncode == 1 and "db has no Image(...)" in image.stderr
    chart = run_cli("set-chart", "api", "1.2.3", cwd=project)    # api uses the standard chart
    assert chart.returncode == 1 and "api has no HelmChart(...)" in chart.stderr
    assert (project / "platforms/versions.yaml").read_text() == before
