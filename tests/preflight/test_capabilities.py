"""What a chart asks of the cluster that only the live cluster answers (charts/capabilities.py),
read from its templates and its subcharts' (folders and archives)."""
from __future__ import annotations

import io
import tarfile

from gitops_dsl.charts.capabilities import API, KUBE_VERSION, consulted, group_of


def test_the_group_of_an_api():
    assert [group_of(a) for a in ("v1", "v1/Pod", "apps/v1", "policy/v1beta1/PodSecurityPolicy",
                                  "monitoring.coreos.com/v1/ServiceMonitor")] == \
        ["", "", "apps", "policy", "monitoring.coreos.com"]


def chart_asking(folder, *questions: str):
    """A chart folder whose one template asks each question (a Helm expression) in an `if`."""
    (folder / "templates").mkdir(parents=True)
    (folder / "templates" / "a.yaml").write_text(
        "".join(f"{{{{ if {q} }}}}{{{{ end }}}}\n" for q in questions))
    return folder


def test_stable_versions_of_kubernetes_own_groups_are_answered_offline_as_a_cluster_does(tmp_path):
    chart = chart_asking(tmp_path / "x", *(f'.Capabilities.APIVersions.Has "{api}"' for api in (
        "policy/v1", "v1", "networking.k8s.io/v1", "autoscaling/v2")))
    assert consulted(chart) == frozenset()


def test_kinds_and_beta_versions_of_kubernetes_own_groups_may_be_answered_otherwise(tmp_path):
    """A cluster's list names kinds, Helm's does not; Helm's keeps beta versions that newer
    clusters no longer serve (see the test below for the engine's own answers)."""
    asked = ("policy/v1/PodDisruptionBudget", "v1/Pod", "policy/v1beta1", "batch/v1alpha1")
    chart = chart_asking(tmp_path / "x", *(f'.Capabilities.APIVersions.Has "{api}"' for api in asked))
    assert consulted(chart) == {API + api for api in asked}


def test_what_helms_built_in_list_answers(tmp_path):
    """The premise of the two tests above, asked of the engine gitops-dsl renders with."""
    from tests.helpers import need_engine
    need_engine()
    import helm_python as helm
    chart = chart_asking(tmp_path / "probe", "true")
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: probe\nversion: 1.0.0\n")
    (chart / "templates" / "a.yaml").write_text("".join(
        f'{key}: {{{{ .Capabilities.APIVersions.Has "{api}" }}}}\n' for key, api in (
            ("stable", "policy/v1"), ("kind", "policy/v1/PodDisruptionBudget"),
            ("beta", "policy/v1beta1"))))
    with helm.Chart.load(str(chart)) as loaded:
        [text] = loaded.render(values={}, name="probe", namespace="x").values()
    assert text.split() == ["stable:", "true", "kind:", "false", "beta:", "true"]


def test_questions_only_the_live_cluster_answers(tmp_path):
    """A group that something installs - a CRD's, even one named like Kubernetes' own
    (the VerticalPodAutoscaler's autoscaling.k8s.io, Gateway API's gateway.networking.k8s.io) -
    a question the template computes, and the Kubernetes version."""
    chart = chart_asking(tmp_path / "x", '.Capabilities.APIVersions.Has "autoscaling.k8s.io/v1"',
                         '.Capabilities.APIVersions.Has "gateway.networking.k8s.io/v1"',
                         '.Capabilities.APIVersions.Has (printf "%s/v1" .Values.group)',
                         'semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version')
    (chart / "values.yaml").write_text("# .Capabilities.APIVersions.Has \"a.b/v1\": not a template\n")
    assert consulted(chart) == {API + "autoscaling.k8s.io/v1", API + "gateway.networking.k8s.io/v1",
                                API + "?", KUBE_VERSION}


def _archive(files: dict[str, bytes]) -> bytes:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return data.getvalue()


def test_subcharts_are_read_in_folders_and_archives_nested_in_archives(tmp_path):
    sub = _archive({"metrics/Chart.yaml": b"name: metrics\n",
                    "metrics/templates/m.yaml":
                        b'{{ if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}{{ end }}'})
    top = _archive({"app/Chart.yaml": b"name: app\n", "app/templates/cm.yaml": b"kind: ConfigMap\n",
                    "app/charts/metrics-1.0.0.tgz": sub})
    (tmp_path / "app-1.0.0.tgz").write_bytes(top)
    assert consulted(tmp_path / "app-1.0.0.tgz") == {API + "monitoring.coreos.com/v1"}
    folder = tmp_path / "folder"
    (folder / "templates").mkdir(parents=True)
    (folder / "charts").mkdir()
    (folder / "charts" / "metrics-1.0.0.tgz").write_bytes(sub)
    assert consulted(folder) == {API + "monitoring.coreos.com/v1"}
    (tmp_path / "broken.tgz").write_bytes(top[:100])
    assert consulted(tmp_path / "broken.tgz") == frozenset()   # (the render reports it)
