"""One minimal bad platform per rule: the exact code, and the file:line the diagnostic points at.

The line marked `# <-` in each platform is where the diagnostic must point.
"""
from __future__ import annotations

import textwrap

import pytest

from gitops_dsl.api import compile as compile_platforms
from gitops_dsl.checks import RULES
from tests.helpers import make_project, scaled

PRELUDE = '''
from gitops_dsl import *

repo = Repo("https://example.com/acme/gitops.git")
stg = Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="internal")
prod = Environment("prod", cluster=Cluster("prod", "https://prod.example:6443"), zone="internet")
app = Project("app")
one, two, three = Waves("one", "two", "three")
redis = HelmChart("registry-1.docker.io/bitnamicharts", "redis", "19.6.0")


def svc(name, **kw):
    kw.setdefault("project", "app")
    kw.setdefault("image", Image(f"ghcr.io/acme/{name}", "1.0.0"))
    return Service(name, **kw)


def platform(*services, envs=(stg, prod), projects=(app,), **kw):
    return Platform("demo", gitops_repo=repo, environments=list(envs), projects=list(projects),
                    services=list(services), **kw)
'''

SEALED = "AgA" + "A" * 997  # well-formed shape: 0x02 0x00, a 512-byte RSA block, payload

CASES = {
    "GD100": 'raise RuntimeError("no")  # <-',
    "GD101": 'x = Service("api", values={"a": {1, 2}})  # <-',
    "GD102": 'x = Service("api", dependson=["db"])  # <-',
    "GD110": 'p = platform(svc("api", namespace="Bad_NS"))  # <-',
    "GD111": 'x = Service("a" * 54)  # <-',
    "GD112": 'p = platform(svc("api"), svc("api"))  # <-',
    "GD420": 'p = platform(svc("api", project="default"))  # <-',
    "GD125": ('p = platform(svc("db", image=None, chart=redis, helm=HelmOptions(  # <-\n'
              '    parameters=[HelmParameter("commonAnnotations.price", "5$USD")])))'),
    "GD126": ('p = platform(svc("api"), envs=[stg, Environment("prod", zone="internet",  # <-\n'
              '    cluster=Cluster("prod", "https://prod.example:6443"), root_name="Prod Apps")])'),
    "GD127": ('p = platform(svc("api"), envs=[\n'
              '    Environment("stg", cluster=Cluster("stg", "https://stg.example:6443"), zone="z",  # <-\n'
              '                root_name="apps"),\n'
              '    Environment("prod", cluster=Cluster("prod", "https://prod.example:6443"),\n'
              '                zone="z", root_name="apps", root_sync=SyncPolicy(prune=False))])'),
    "GD124": 'p = platform(svc("db", chart=redis, kustomize=KustomizeOptions(name_prefix="x-")))  # <-',
    "GD123": ('p = platform(svc("k", chart=GitPath("k8s/k", tool="directory"),\n'
              '            helm=HelmOptions(pass_credentials=True)))  # <-'),
    "GD122": 'p = platform(svc("api", app_name="{platform}-{service}-{env}-" + "x" * 60))  # <-',
    "GD113": 'p = platform(svc("demo-root", environments=["stg"]))  # <- app demo-root-stg = the root',
    "GD114": '''shared = Cluster("one", "https://one.example:6443")
p = platform(svc("api"), envs=[Environment("stg", cluster=shared, zone="z", namespace="shared"),
                               Environment("prod", cluster=shared, zone="z", namespace="shared")])''',
    "GD115": "X = 1",
    "GD116": '''p = platform(svc("api"))
q = platform(svc("api", values={"replicaCount": 2}))  # <-''',
    "GD117": '''p = platform(svc("api"), envs=[stg, Environment("prod", zone="internet",
    cluster=Cluster("stg", "https://other.example:6443"))])  # <-''',
    "GD118": '''@rule("ACME001", summary="crashes")
def crashes(app):
    return app.nope  # <-


p = platform(svc("api"))''',
    "GD119": 'x = Service("api", allow={"GD301": ""})  # <-',
    "GD120": 'p = platform(svc("api", annotations={"argocd.argoproj.io/refresh": "hard"}))',
    "GD121": 'p = platform(svc("api", previous_names=["web"]))',
    "GD201": 'p = platform(svc("api", wave=one, depends_on=["db"]), svc("db", wave=two))',
    "GD202": 'p = platform(svc("a", depends_on=["b"]), svc("b", depends_on=["a"]))',
    "GD203": 'p = platform(svc("api", depends_on=["llm"]), svc("llm", environments=[stg]))',
    "GD204": '''p = platform(svc("web", wave=one, reads=[Resource("Secret", "env")]),  # <-
             svc("vault", wave=two, provides=[Resource("Secret", "env")]))''',
    "GD205": 'p = platform(svc("web", reads=[Resource("Secret", "env")]))',
    "GD206": '''p = platform(svc("a", wave=one), svc("b", wave=two,  # <-
             per_env={"prod": Overlay(wave=0)}))''',
    "GD301": '''p = platform(svc("api", image=Image("ghcr.io/acme/api", "latest")),
             envs=[Environment("prod", cluster=Cluster("prod", "https://p:6443"), zone="z",
                               policies=[pinned_images])])''',
    "GD302": '''p = platform(svc("api"), envs=[Environment("prod", cluster=Cluster("prod", "https://p:6443"),
             zone="z", policies=[resources_required])])''',
    "GD303": '''p = platform(svc("x", image=None, chart=GitPath("deploy",  # <-
    repo=Repo("https://example.com/other.git", "HEAD"), tool="directory")),
    envs=[Environment("prod", cluster=Cluster("prod", "https://p:6443"), zone="z",
                      policies=[pinned_revisions])])''',
    "GD304": '''p = platform(svc("api"), envs=[Environment("prod", cluster=Cluster("prod", "https://p:6443"),
             zone="z", policies=[image_digests])])''',
    "GD305": '''p = platform(svc("api"), envs=[Environment("prod", cluster=Cluster("prod", "https://p:6443"),
             zone="z", policies=[min_replicas(count=2)])])''',
    "GD306": 'p = platform(svc("db", image=None, chart=redis, values={"autoscaling": {"enabled": True}}))',
    "GD307": '''p = platform(svc("api", sync=SyncPolicy(prune=False)),
             envs=[Environment("prod", cluster=Cluster("prod", "https://p:6443"), zone="z",
                               policies=[prune_required])])''',
    "GD308": '''p = platform(svc("api", image=Image("docker.io/someone/api", "1")),  # <-
             envs=[Environment("prod", cluster=Cluster("prod", "https://p:6443"), zone="z",
                               policies=[allowed_registries(registries=["ghcr.io/acme"])])])''',
    "GD401": 'p = platform(svc("api", depends_on=["dbb"]), svc("db"))',
    "GD402": 'p = platform(svc("api", project="apps"))',
    "GD403": 'p = platform(svc("api", per_env={"production": Overlay(values={"a": 1})}))  # <-',
    "GD404": 'p = platform(svc("db", image=None, chart=redis, config={"A": "b"}))',
    "GD405": 'p = platform(svc("x", image=None, chart=GitPath("charts/missing")))  # <-',
    "GD406": 'c = HelmChart("https://charts.example", "db", ">=12.12.0")  # <-',
    "GD407": 'p = platform(svc("api", wave="twoo"))',
    "GD408": 'p = platform(svc("api", image=None))',
    "GD409": '''p = platform(svc("x", image=None, values={"a": 1},
                 chart=GitPath("charts", tool="directory")))''',
    "GD410": 'p = platform(svc("db", image=None, chart=redis), projects=[Project("app", source_repos=["https://example.com/*"])])  # <-',
    "GD411": 'p = platform(svc("api"), projects=[app, Project("tools")])  # <-',
    "GD412": ('p = platform(svc("api"))  # <- tag in Python and in versions.yaml',
              "services:\n  api:\n    image: 2.0.0\n"),
    "GD413": ('p = platform(svc("api"))', "services:\n  api:\n    image: 2.0.0\n  apii:  # <-\n"
              "    image: 1.0.0\n"),
    "GD414": 'p = platform(svc("api", image=Image("ghcr.io/acme/api")))  # <- no tag anywhere',
    "GD415": ('p = platform(svc("api"))', "services:\n  api:\n    image: [1, 2]  # <-\n"),
    "GD416": 'p = platform(svc("api", values={"replicaCount": "3"}))',
    "GD417": 'p = platform(svc("x", image=None, chart=GitPath("charts", revision="v1.2.0"), values={"a": 1}))',
    "GD418": ('p = platform(svc("api"), projects=[Project("app", sync_windows=[SyncWindow("deny", '
              '"0 18 * * 5", "62h", environments=["production"])])])'),
    "GD419": ('p = platform(svc("api", values={"analysis": {"enabled": True, "script": '
              '"import { check } from \'k6\'; export default function () { check(1, {}); }"}}))'),
    "GD501": 'p = platform(svc("api", config={"DB_PASSWORD": "x"}))',
    "GD502": 'x = SealedSecrets({"prod": {"DB_PASSWORD": "hunter2"}})  # <-',
    "GD503": f'p = platform(svc("api", secrets=SealedSecrets({{"stg": {{"K": "{SEALED}"}}}})))  # <-',
    "GD504": 'p = platform(svc("db", image=None, chart=redis, values={"auth": {"password": "admin123"}}))',
    "GD507": ('p = platform(svc("db", image=None, chart=redis, values={"auth": {  # <-\n'
              '    "password": "<path:kv/data/redis#password>"}}))'),
    "GD506": '''p = platform(svc("api"), projects=[Project("app", roles=[  # <-
    Role("ci", description="uses ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")])])''',
    "GD505": f'''p = platform(svc("api", secrets=SealedSecrets({{"stg": {{"K": "{SEALED}"}}}},  # <-
    cert_fingerprints={{"stg": "sha256:" + "b" * 64}})), envs=[Environment("stg", zone="z",
    cluster=Cluster("stg", "https://stg:6443", sealing_cert_fingerprint="sha256:" + "a" * 64))])''',
    "GD602": ('p = platform(svc("x", image=None, chart=GitPath("charts", tool="kustomize")))  # <-',
              {"charts/kustomization.yaml": "resources: [../../outside]\n"}),
    "GD601": '''p = platform(svc("api", image=Image("harbor.acme.internal/plate/api", "1")),
             envs=[Environment("prod", cluster=Cluster("prod", "https://p:6443"),
                               zone=Zone("internet", deny_registries=["harbor.acme.internal"]))])''',
    "GD128": '''edge = Zone("edge", argocd_version="2.7")
p = platform(svc("db", image=None, chart=redis,  # <-
                 helm=HelmOptions(values_object={"replica": {"replicaCount": 1}})),
             envs=[Environment("prod", cluster=Cluster("prod", "https://p:6443"), zone=edge)])''',
}


def compile_case(tmp_path, body):
    """Compile a case: platform source, or (source, versions.yaml text). Returns the result and
    (file name, line) the marked line is at."""
    body, versions = body if isinstance(body, tuple) else (body, None)
    source = PRELUDE + "\n" + textwrap.dedent(body) + "\n"
    project = make_project(tmp_path / "p", source, name="case.py")
    (project / "charts").mkdir()
    if isinstance(versions, dict):   # files of the repository
        for rel, text in versions.items():
            (project / rel).write_text(text)
        versions = None
    if versions is not None:
        (project / "platforms" / "versions.yaml").write_text(versions)
    expected = ("case.py", _marked(source.lstrip()))
    if versions is not None and "# <-" in versions:
        expected = ("versions.yaml", _marked(versions))
    result = compile_platforms(project / "platforms", root=project)
    return result, expected


def _marked(text: str) -> int:
    lines = text.splitlines()
    marked = [i for i, line in enumerate(lines, 1) if "# <-" in line]
    default = [i for i, line in enumerate(lines, 1) if line.startswith(("p = ", "x = "))]
    return (marked or default or [1])[0]


# preflight findings come from rendering, not from a compile: tests/preflight/ has a case for each
PREFLIGHT = {code for code in RULES if code.startswith("GD7")}


#: rules whose cases need more than files (a Git working tree): their own test files
OWN_TESTS = {"GD603": "tests/checks/test_links.py"}


def test_every_rule_has_a_case():
    assert set(RULES) - set(CASES) - PREFLIGHT - set(OWN_TESTS) == set()
    assert set(CASES) - set(RULES) == set()
    from tests.helpers import REPO
    for code, path in OWN_TESTS.items():
        assert code in (REPO / path).read_text()


def test_every_preflight_code_has_a_case():
    from tests.helpers import REPO
    cases = "".join(p.read_text() for p in (REPO / "tests" / "preflight").glob("test_*.py"))
    assert [code for code in sorted(PREFLIGHT) if code not in cases] == []


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule(code, tmp_path):
    result, (file_name, line) = compile_case(tmp_path, CASES[code])
    found = [d for d in result.diagnostics if d.code == code]
    assert found, [d.format() for d in result.diagnostics]
    d = found[0]
    if code == "GD115":
        assert d.location is None
        return
    assert d.location.file.endswith(f"platforms/{file_name}"), d.format()
    if code not in ("GD202", "GD112"):
        assert d.location.line == line, d.format()
    expected_severity = RULES[code].severity
    assert d.severity == expected_severity
    assert d.hint, d.format()
    if code in ("GD501", "GD502", "GD504", "GD506"):
        for secret in ("hunter2", "admin123", "ghp_aaaa"):
            assert secret not in d.format()


@pytest.mark.parametrize("code", sorted(c for c, item in RULES.items() if item.per_service))
def test_a_per_service_finding_is_about_one_service_or_one_application(code, tmp_path):
    """A rule marked per_service names its service or one of its Applications in every finding,
    and what it finds about one of them depends on nothing else of the platform's services and
    Applications: checked again alone, with the others' findings taken as reused, each service
    and each Application has exactly the findings it has in a full check (what lets a compile
    reuse the findings of what did not change: gitops_dsl.incremental)."""
    from gitops_dsl.checks import Reused, run_checks
    from gitops_dsl.resolve import resolve
    result, _ = compile_case(tmp_path, CASES[code])
    assert result.platforms, [d.format() for d in result.diagnostics]
    found = []
    for platform, pins in zip(result.platforms, result.versions):
        resolved = resolve(platform, pins)
        full = run_checks(resolved, tmp_path / "p")
        assert full.by_service is not None and full.by_app is not None, code
        for name, own in [*full.by_service.items(), *full.by_app.items()]:
            found += [d for d in [*own.diagnostics, *(s.diagnostic for s in own.suppressed)]
                      if d.code == code and d.subject == name]

        class Alone:
            def __init__(self, services: set[str], apps: set[str]) -> None:
                self.services, self.apps = services, apps

            def checked(self, _: object) -> Reused:
                return Reused({n: c for n, c in full.by_service.items() if n not in self.services},
                              {n: c for n, c in full.by_app.items() if n not in self.apps})
        for service in resolved.services:
            again = run_checks(resolved, tmp_path / "p", reuse=Alone({service}, set()))
            assert again.by_service[service] == full.by_service[service], (code, service)
            assert again.diagnostics == full.diagnostics, (code, service)
        for app in resolved.apps:
            if app.name in full.by_app:
                again = run_checks(resolved, tmp_path / "p", reuse=Alone(set(), {app.name}))
                assert again.by_app[app.name] == full.by_app[app.name], (code, app.name)
                assert again.diagnostics == full.diagnostics, (code, app.name)
    assert found, code


def test_every_rule_explains_itself_with_examples():
    for code, item in RULES.items():
        assert item.summary and item.explanation and item.bad and item.good, code


def test_the_fast_schema_validator_agrees_with_jsonschema():
    """The standard chart's schema, checked by gitops-dsl's validator and by jsonschema, on values
    that break it in every way the schema can."""
    import jsonschema
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from gitops_dsl.checks.references import standard_chart_schema

    validator = standard_chart_schema()
    reference = jsonschema.Draft7Validator(validator.schema)
    leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=4),
                     st.floats(allow_nan=False, allow_infinity=False))
    tree = st.recursive(leaf, lambda inner: st.one_of(
        st.lists(inner, max_size=2), st.dictionaries(st.sampled_from(
            ["image", "repository", "tag", "replicaCount", "port", "service", "type", "enabled",
             "env", "x", "autoscaling", "minReplicas", "probes", "liveness", "path", "pullPolicy"]),
            inner, max_size=3)), max_leaves=6)

    @settings(max_examples=scaled(300), deadline=None)
    @given(st.dictionaries(st.sampled_from(["image", "replicaCount", "port", "service", "autoscaling",
                                            "probes", "env", "config", "blueGreen", "x"]), tree,
                           max_size=4))
    def agree(values):
        assert bool(list(validator.errors(values))) == bool(list(reference.iter_errors(values)))
    agree()


# second cases, for the edges a rule's first case does not reach
EDGES = {
    # one wave here, two waves there: GD206 too (not only a swapped order)
    "GD206": '''p = platform(svc("a", wave=one), svc("b", wave=one,  # <-
             per_env={"prod": Overlay(wave=two)}))''',
    # an environment's own project that the platform does not declare, at the overlay's line
    "GD402": 'p = platform(svc("api", per_env={"prod": Overlay(project="prod-only")}))  # <-',
    # a destination on the right server but in another namespace
    "GD410": '''p = platform(svc("api"), projects=[Project("app", destinations=[  # <-
             Destination("https://stg.example:6443", "elsewhere"),
             Destination("https://prod.example:6443", "elsewhere")])])''',
}


@pytest.mark.parametrize("code", sorted(EDGES))
def test_rule_edge(code, tmp_path):
    result, (file_name, line) = compile_case(tmp_path, EDGES[code])
    found = [d for d in result.diagnostics if d.code == code]
    assert found, [d.format() for d in result.diagnostics]
    assert found[0].location.line == line, found[0].format()


def test_gd416_checks_the_common_layer_of_every_zone(tmp_path):
    """A ZoneOverlay makes a zone's own common values file (values-zone-<zone>.yaml): the chart
    schema checks it as it checks the service's, in the environments of that zone only."""
    result, _ = compile_case(tmp_path, '''
        p = platform(svc("api", per_zone={"internet": ZoneOverlay(values={"replicaCount": "three"})}))
    ''')
    found = [d for d in result.diagnostics if d.code == "GD416"]
    assert [d.subject for d in found] == ["api-prod"], [d.format() for d in found]
    assert "replicaCount" in found[0].message


def test_gd416_is_silent_where_argo_cd_skips_the_schema(tmp_path):
    """`helm.skipSchemaValidation`: Argo CD renders with `helm template
    --skip-schema-validation` (reposerver/repository/repository.go `helmTemplate`), so no
    schema refuses those values there; in the environment without it, the schema still does."""
    result, _ = compile_case(tmp_path, '''
        p = platform(svc("api", values={"replicaCount": "three"},
                         per_env={"stg": Overlay(helm=HelmOptions(skip_schema_validation=True))}))
    ''')
    found = [d for d in result.diagnostics if d.code == "GD416"]
    assert [d.subject for d in found] == ["api-prod"], [d.format() for d in found]


def test_gd417_names_every_application_that_cannot_be_generated(tmp_path):
    """Each Application whose sources read one repository at two revisions fails on its own:
    each is named (its findings stand alone, so an unchanged one's can be reused)."""
    result, _ = compile_case(tmp_path, CASES["GD417"])
    found = sorted(d.subject for d in result.diagnostics if d.code == "GD417")
    assert found == ["x-prod", "x-stg"], found
