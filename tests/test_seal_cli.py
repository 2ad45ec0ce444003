"""`gitops-dsl seal` as a user runs it: values from stdin, a file or the environment, never from
an argument; with --service the namespace and name come from the platform."""
from __future__ import annotations

from tests.helpers import MINIMAL, make_project, run_cli
from tests.sealing_reference import unseal
from tests.test_sealing import CERT, CERT_PEM, KEY_PEM
from gitops_dsl.secrets.sealing import fingerprint


def cli(project, *args, input_text=None, env=None):
    import os
    import subprocess
    import sys
    from tests.helpers import REPO
    full_env = {**os.environ, **(env or {}), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "gitops_dsl", *args], cwd=project, env=full_env,
                          input=input_text, capture_output=True, text=True, timeout=60)


def test_seal_from_stdin_file_and_env(tmp_path):
    project = make_project(tmp_path / "p")
    (project / "cert.pem").write_bytes(CERT_PEM)
    out = cli(project, "seal", "--cert", "cert.pem", "--namespace", "prod", "--name", "api",
              input_text="hunter2")
    assert out.returncode == 0, out.stderr
    assert unseal(KEY_PEM, out.stdout, "strict", "prod", "api") == b"hunter2"
    (project / "value.txt").write_bytes(b"from-file\n")
    out = cli(project, "seal", "--cert", "cert.pem", "--scope", "namespace-wide", "--namespace", "prod",
              "--from-file", "value.txt")
    assert unseal(KEY_PEM, out.stdout, "namespace-wide", "prod", "") == b"from-file\n"
    assert "ends with a newline" in out.stderr
    out = cli(project, "seal", "--cert", "cert.pem", "--scope", "cluster-wide", "--from-env", "TOKEN",
              env={"TOKEN": "from-env"})
    assert unseal(KEY_PEM, out.stdout, "cluster-wide", "", "") == b"from-env"
    out = cli(project, "seal", "--cert", "cert.pem", "--namespace", "prod", "--name", "api", "--trim",
              input_text="trimmed\n")
    assert unseal(KEY_PEM, out.stdout, "strict", "prod", "api") == b"trimmed"


def test_the_value_is_never_an_argument(tmp_path):
    project = make_project(tmp_path / "p")
    (project / "cert.pem").write_bytes(CERT_PEM)
    out = cli(project, "seal", "--cert", "cert.pem", "--namespace", "prod", "--name", "api", "hunter2")
    assert out.returncode == 2 and "unexpected extra argument" in out.stderr.lower()
    assert "hunter2" not in out.stdout


def test_seal_for_a_service_prints_the_line_to_paste(tmp_path):
    project = make_project(tmp_path / "p", MINIMAL.replace(
        'values={"replicaCount": 1},', 'values={"replicaCount": 1}, namespace="shop-{env}",'))
    (project / "cert.pem").write_bytes(CERT_PEM)
    out = cli(project, "seal", "--cert", "cert.pem", "--service", "api", "--env", "prod",
              "--key", "DB_PASSWORD", input_text="s3cret")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert "Secret 'api', bound to shop-prod/api (strict)" in lines[0] and fingerprint(CERT) in lines[0]
    key, _, value = lines[-1].partition(": ")
    assert key == '"DB_PASSWORD"'
    ciphertext = value.rstrip(",").strip('"')
    assert unseal(KEY_PEM, ciphertext, "strict", "shop-prod", "api") == b"s3cret"
    missing = cli(project, "seal", "--cert", "cert.pem", "--service", "nope", "--env", "prod",
                  input_text="x")
    assert missing.returncode == 2 and "Invalid value for --service: no service 'nope'" in missing.stderr


def test_seal_refuses_the_certificate_of_another_cluster(tmp_path):
    from tests.test_sealing import make_key_pair
    _, other_cert = make_key_pair()
    source = MINIMAL.replace('Cluster("prod", "https://prod.example:6443")',
                             f'Cluster("prod", "https://prod.example:6443", '
                             f'sealing_cert_fingerprint="{fingerprint(CERT)}")')
    project = make_project(tmp_path / "p", source)
    (project / "other.pem").write_bytes(other_cert)
    out = cli(project, "seal", "--cert", "other.pem", "--service", "api", "--env", "prod",
              "--key", "K", input_text="x")
    assert out.returncode == 1 and "is not the certificate of cluster prod" in out.stderr


def test_seal_for_a_service_takes_the_scope_of_its_sealed_secrets(tmp_path):
    from gitops_dsl.secrets.sealing import seal
    old = {env: seal(CERT, b"old", scope="namespace-wide", namespace=f"demo-{env}")
           for env in ("stg", "prod")}
    project = make_project(tmp_path / "p", MINIMAL.replace(
        'values={"replicaCount": 1},',
        f'values={{"replicaCount": 1}}, secrets=SealedSecrets({{"stg": {{"OLD": "{old["stg"]}"}}, '
        f'"prod": {{"OLD": "{old["prod"]}"}}}}, scope="namespace-wide"),'))
    (project / "cert.pem").write_bytes(CERT_PEM)
    out = cli(project, "seal", "--cert", "cert.pem", "--service", "api", "--env", "prod",
              "--key", "DB_PASSWORD", input_text="s3cret")
    assert out.returncode == 0, out.stderr
    assert "(namespace-wide)" in out.stdout.splitlines()[0]
    value = out.stdout.strip().splitlines()[-1].partition(": ")[2].rstrip(",").strip('"')
    # bound to the namespace only, as the controller unseals a namespace-wide Secret
    assert unseal(KEY_PEM, value, "namespace-wide", "demo-prod", "") == b"s3cret"


def test_seal_with_standard_input_or_output_closed(tmp_path):
    """Standard input closed (`<&-`): no value to read, said so (it was a traceback); standard
    output closed: the sealed value has nowhere to go, but the command does not crash on it."""
    import os
    import subprocess
    import sys

    from tests.helpers import REPO
    project = make_project(tmp_path / "p")
    (project / "cert.pem").write_bytes(CERT_PEM)
    args = [sys.executable, "-m", "gitops_dsl", "seal", "--cert", "cert.pem", "--namespace",
            "prod", "--name", "api"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    closed_in = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True,
                               preexec_fn=lambda: os.close(0), timeout=60)
    assert closed_in.returncode == 1 and "Traceback" not in closed_in.stderr, closed_in.stderr
    assert "no value to seal: standard input is closed" in closed_in.stderr
    closed_out = subprocess.run(args, cwd=project, env=env, input="hunter2", text=True,
                                stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1), timeout=60)
    assert "Traceback" not in closed_out.stderr, closed_out.stderr
