"""The README is a short front door; the documentation site holds the manual, and its reference
pages are generated from the code (a stale page fails here)."""
from __future__ import annotations

import re

import attrs
import pytest

import gitops_dsl.model as model
from tests.helpers import REPO

DOCS = REPO / "docs"


def _pages() -> dict[str, str]:
    return {str(p.relative_to(DOCS)): p.read_text() for p in sorted(DOCS.rglob("*.md"))}


def test_the_readme_is_a_front_door():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    # every page it links to exists
    for target in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (REPO / target).is_file(), target


def test_every_public_field_is_documented():
    reference = (DOCS / "reference" / "dsl.md").read_text()
    missing = []
    for name in model.__all__:
        cls = getattr(model, name)
        if not isinstance(cls, type) or not attrs.has(cls) or name == "StandardChart":
            continue
        if f"`{name}(" not in reference:
            missing.append(name)
        for field in attrs.fields(cls):
            if field.init and field.name not in ("location", "series") and field.name not in reference:
                missing.append(f"{name}.{field.name}")
    assert not missing, missing


def test_readme_set_up_commands_are_the_ones_ci_runs():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    assert "pip install -e '.[test]' && .venv/bin/python -m pytest" in readme
    assert "python -m pip install --quiet -e '.[test]'" in ci and "\npython -m pytest\n" in ci
    assert ".venv/bin/pip install -e . && .venv/bin/gitops-dsl compile" in readme
    assert "mkdocs build --strict" in ci


def test_every_rule_code_is_in_the_rules_overview():
    from gitops_dsl.checks import RULES
    overview = (DOCS / "concepts" / "rules.md").read_text()
    assert [c for c in RULES if c not in overview] == []


def test_the_reference_pages_are_generated_from_the_code():
    from gitops_dsl.docs_reference import stale
    from gitops_dsl.model import reference
    assert reference.missing_docs() == []          # every field has its `#:` comment
    assert stale(DOCS) == [], "python -m gitops_dsl.docs_reference --write docs"


@pytest.mark.parametrize("page, edit", [
    ("reference/dsl.md", ("| `stateful` |", "| `stateless` |")),
    ("reference/rules.md", ("### GD201", "### GD299")),
    ("reference/cli.md", ("--no-cache", "--no-cash")),
    ("reference/settings.md", ("`chart_cache`", "`chart-cache`")),
])
def test_the_reference_check_fails_on_a_stale_page(tmp_path, page, edit):
    import shutil

    from gitops_dsl.docs_reference import main
    shutil.copytree(DOCS, tmp_path / "docs")
    path = tmp_path / "docs" / page
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1))
    assert main(["--check", str(tmp_path / "docs")]) == 1
    assert main(["--write", str(tmp_path / "docs")]) == 0
    assert path.read_text() == (DOCS / page).read_text()


def test_the_docs_speak_of_the_project():
    """Not of how it was built (history belongs in the changelog), and not of the reference
    material the tests read beside the repository (only the contributing page names it)."""
    for name, text in {**_pages(), "README.md": (REPO / "README.md").read_text()}.items():
        assert not re.search(r"\bsession\b(?! key)", text, re.IGNORECASE), name
        if name != "contributing.md":
            assert "../shared" not in text and "DESIGN.md" not in text, name


def _section(title: str) -> str:
    readme = (REPO / "README.md").read_text()
    start = readme.index(title)
    end = readme.find("\n## ", start + 1)
    return readme[start:end if end > 0 else None]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL)


def test_the_readme_quick_start_runs_as_written(tmp_path):
    """Every `gitops-dsl` command of "A minute with it", in order, in an empty folder."""
    from tests.helpers import need_engine, run_cli
    need_engine()
    cwd = tmp_path
    ran = []
    for block in _blocks(_section("## A minute with it"), "sh"):
        for line in block.splitlines():
            for part in line.split("  #")[0].split("&&"):
                words = part.split()
                if words[:1] == ["cd"]:
                    cwd = cwd / words[1]
                elif words[:1] == ["gitops-dsl"]:
                    run = run_cli(*words[1:], cwd=cwd)
                    assert run.returncode == 0, (part, run.stdout, run.stderr)
                    ran.append(words[1])
    assert ran == ["init", "compile", "set-image", "diff", "compile", "compile", "preflight"]
    assert "api" in (cwd / "platforms" / "versions.yaml").read_text()


def test_the_readme_platform_reports_what_the_readme_shows(tmp_path):
    from gitops_dsl.api import compile as compile_platforms
    from tests.helpers import make_project
    section = _section("## A minute with it")
    [platform] = _blocks(section, "python")
    [shown] = _blocks(section, "text")
    source = platform.replace('Image("ghcr.io/acme/api", "1.4.2")', 'Image("ghcr.io/acme/api", "latest")')
    project = make_project(tmp_path, source, name="shop.py")
    result = compile_platforms(project / "platforms", root=project)
    errors = [d.format(str(project)) for d in result.diagnostics if d.code == "GD301"]
    assert errors == [shown.rstrip("\n")]
    fixed = make_project(tmp_path / "fixed", platform, name="shop.py")
    assert compile_platforms(fixed / "platforms", root=fixed).ok


def test_the_settings_page_states_the_defaults_the_loader_uses(tmp_path):
    import json

    from gitops_dsl.workspace.settings import KEYS, load_settings
    (tmp_path / "pyproject.toml").write_text("[tool.gitops-dsl]\n")
    settings = load_settings(tmp_path)
    root = tmp_path.resolve()
    assert settings.platforms == root / json.loads(KEYS["platforms"][1])
    assert settings.out == root / json.loads(KEYS["out"][1])
    assert settings.charts_folder == root / json.loads(KEYS["chart_cache"][1])
    assert list(settings.trusted_keys) == json.loads(KEYS["trusted_keys"][1])
    assert settings.severity == json.loads(KEYS["severity"][1]) == settings.allow


def _documented_commands() -> list[tuple[str, str]]:
    """Every `gitops-dsl ...` line of a shell block of the documentation (the generated command
    reference aside: it is the commands' own help)."""
    found = []
    for name, text in _pages().items():
        if name == "reference/cli.md":
            continue
        for block in _blocks_any(text):
            for line in block.splitlines():
                line = line.strip()
                if line.startswith("gitops-dsl "):
                    found.append((name, line.split("  #")[0].split(" < ")[0]))
    return found


def _blocks_any(text: str) -> list[str]:
    """The shell blocks of a page (fenced ``` with sh, bash, shell, console or no language)."""
    blocks, current, language = [], None, None
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            if current is None:
                language, current = line.strip()[3:], []
            else:
                if language in ("", "sh", "bash", "shell", "console"):
                    blocks.append("\n".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_every_documented_command_and_option_exists():
    """The synopses and examples of the documentation name commands and options the CLI has."""
    import click

    from gitops_dsl.cli import main
    lines = _documented_commands()
    assert len(lines) > 15
    for page, line in lines:
        words = line.split()[1:]
        command: click.Command = main
        while isinstance(command, click.Group) and words and words[0] in command.commands:
            command = command.commands[words.pop(0)]
        if command is main:
            assert words[0].startswith("--"), (page, line)
        options = {o for p in command.params for o in (*getattr(p, "opts", ()),
                                                          *getattr(p, "secondary_opts", ()))}
        options |= {"--help", "-h", "--version"}
        for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", line):
            assert option in options, (page, line, option)


#: the words the documentation's synopses use for what the reader fills in
PLACEHOLDERS = {"SERVICE", "PATH", "ENV", "VERSION", "TAG_OR_DIGEST", "CODE", "REF", "REASON",
                "NAME", "DIR", "E", "S", "Z", "F", "N", "CHECKOUT", "OLD", "GIT_REF", "ZONE"}


def _concrete(line: str) -> bool:
    """A command written out in full, not a synopsis."""
    return not (re.search(r"[\[\]|]|\.\.\.|<\w", line)
                or PLACEHOLDERS & set(re.findall(r"[A-Z_]+", line)))


def test_every_concrete_documented_command_runs_on_the_example(tmp_path):
    """The commands the documentation writes out in full, run as written on a copy of the
    repository's example (the seal example with the example's prod certificate)."""
    import shlex
    import shutil

    from tests.helpers import run_cli
    for rel in ("platforms", "build", "charts"):   # the example and the chart folder it reads
        shutil.copytree(REPO / rel, tmp_path / rel)
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy(REPO / "platforms" / "certs" / "prod.pem", tmp_path / "prod-cert.pem")
    (tmp_path / "value.txt").write_text("s3cret-value")
    ran = []
    for block in [b for text in _pages().values() for b in _blocks_any(text)]:
        for line in block.splitlines():
            line = line.strip().split("  #")[0]
            if not line.startswith("gitops-dsl ") or not _concrete(line):
                continue
            command, _, stdin = line.partition(" < ")
            words = shlex.split(command)[1:]
            run = run_cli(*words, cwd=tmp_path,
                          input=(tmp_path / stdin.strip()).read_text() if stdin else None)
            assert run.returncode == 0, (line, run.stdout, run.stderr)
            ran.append(words[0])
    assert {"seal", "diff", "charts", "--version"} <= set(ran), ran
