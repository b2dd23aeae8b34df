"""Static checks of deploy/: the Compose file against the Compose specification, the Kubernetes
manifests against the schemas of a named Kubernetes version, the Dockerfile with hadolint and a
structural check, and the settings, commands and names they use against Fengqiao's own. Every
validator runs offline (its schemas ship in its wheel); each check is shown failing a broken copy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.bootstrap import check_settings
from infra.cli import main as fengqiao
from infra.directory import read_directory_file
from infra.settings import SECRET_SETTINGS, Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
MANIFESTS = sorted((DEPLOY / "k8s" / "fengqiao").glob("*.yaml"))
KUBERNETES_VERSION = "1.34.0"
SECRET_FILES = ("fengqiao_pg_password", "fengqiao_cipher_key", "fengqiao_id_key", "fengqiao_seal_key")
# A validator that tried to download anything would fail through this dead proxy.
DEAD = "http://127.0.0.1:9"
OFFLINE = {**os.environ, "HTTP_PROXY": DEAD, "HTTPS_PROXY": DEAD, "http_proxy": DEAD, "https_proxy": DEAD}
OFFLINE.update(NO_PROXY="", no_proxy="")


pytestmark = pytest.mark.deploy  # external validators in subprocesses: not in make test-fast


def run(tool: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    path = Path(sys.executable).parent / tool
    assert path.exists(), f"{tool} is not installed: it comes with the test extra (make install)"
    return subprocess.run(
        [str(path), *map(str, args)], check=False, capture_output=True, text=True, env=OFFLINE, timeout=120
    )


def compose_errors(path: Path) -> str:
    done = run("check-jsonschema", "--builtin-schema", "vendor.compose-spec", path)
    return "" if done.returncode == 0 else done.stdout + done.stderr


def manifest_errors(*paths: Path) -> list[str]:
    """kubernetes-validate only warns of a kind it has no schema for: that counts as an error here."""
    done = run("kubernetes-validate", "--kubernetes-version", KUBERNETES_VERSION, "--strict", *paths)
    said = (done.stdout + done.stderr).splitlines()
    errors = [line for line in said if line.startswith(("ERROR", "WARN"))]
    return errors or ([] if done.returncode == 0 else said)


def lint_errors(path: Path) -> str:
    done = run("hadolint", "--no-color", path)
    return "" if done.returncode == 0 else done.stdout + done.stderr


def dockerfile_problems(text: str) -> list[str]:
    lines = [line.strip() for line in text.replace("\\\n", " ").splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    starts = [i for i, line in enumerate(lines) if line.upper().startswith("FROM ")]
    final = lines[starts[-1] :] if starts else []
    users = [line.split()[1].split(":")[0] for line in final if line.upper().startswith("USER ")]
    problems = []
    if len(starts) < 2:
        problems.append("one stage: build in one stage, run from another")
    if not users or users[-1] in {"root", "0"}:
        problems.append("the final stage runs as root")
    if not any(re.search(r"pip install .*(-c|--constraint) requirements\.lock", line) for line in lines):
        problems.append("pip does not install with requirements.lock as constraints")
    if not any(line.upper().startswith("COPY --FROM=") for line in final):
        problems.append("the final stage copies nothing built in an earlier stage")
    return problems


def unpackaged(dockerignore: str, pyproject: str) -> list[str]:
    """Packages pyproject.toml installs that the image's build context leaves out."""
    included = tomllib.loads(pyproject)["tool"]["setuptools"]["packages"]["find"]["include"]
    allowed = {line.strip().strip("!/") for line in dockerignore.splitlines() if line.startswith("!")}
    return [p.rstrip("*") for p in included if p.rstrip("*") not in allowed]


def is_secret_file(variable: str) -> bool:
    name = variable.removeprefix("FENGQIAO_").lower()
    return name.endswith("_file") and name.removesuffix("_file") in SECRET_SETTINGS


def unknown_settings(variables: list[str]) -> list[str]:
    def known(variable: str) -> bool:
        name = variable.removeprefix("FENGQIAO_").lower()
        return name in Settings.model_fields or is_secret_file(variable) or name == "secrets_dir"

    return [v for v in variables if v.startswith("FENGQIAO_") and not known(v)]


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def documents() -> list[dict[str, Any]]:
    return [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]


def fengqiao_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if "build" in s}


def workloads() -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents() if d["kind"] in {"Deployment", "Job"}}


def broken_copy(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {source.name}: the broken copy would not be broken"
    copy = tmp_path / source.name
    copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


def test_the_checks_run_with_downloads_cut_off(tmp_path: Path) -> None:
    """What every check below relies on: a validator that needs the network fails under OFFLINE."""
    tool = Path(sys.executable).parent / "check-jsonschema"
    wanted = [str(tool), "--schemafile", "https://json.schemastore.org/github-workflow.json", str(COMPOSE)]
    done = subprocess.run(
        wanted, check=False, capture_output=True, text=True, env={**OFFLINE, "XDG_CACHE_HOME": str(tmp_path)}
    )

    assert done.returncode != 0 and "download" in done.stdout + done.stderr


def test_the_compose_file_follows_the_compose_specification() -> None:
    assert compose_errors(COMPOSE) == ""


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    deploy:\n      replicas: 3\n", "    replicas: 3\n"),  # a key where Compose has none
        ("condition: service_completed_successfully", "condition: service_completed"),
    ],
    ids=["misplaced-key", "unknown-condition"],
)
def test_a_broken_compose_file_fails_the_compose_check(tmp_path: Path, old: str, new: str) -> None:
    assert compose_errors(broken_copy(tmp_path, COMPOSE, old, new)) != ""


def test_the_manifests_are_valid_objects_of_the_named_kubernetes_version() -> None:
    assert len(MANIFESTS) >= 5
    assert manifest_errors(*MANIFESTS) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("containerPort: 8000", "containerPorts: 8000"),
        ("replicas: 3", "replicas: three"),
        ("kind: Deployment", "kind: Deploymnt"),
    ],
    ids=["unknown-field", "wrong-type", "unknown-kind"],
)
def test_a_broken_manifest_fails_the_kubernetes_check(tmp_path: Path, old: str, new: str) -> None:
    assert manifest_errors(broken_copy(tmp_path, DEPLOY / "k8s" / "fengqiao" / "api.yaml", old, new))


def test_the_dockerfile_passes_hadolint() -> None:
    assert lint_errors(DOCKERFILE) == ""


@pytest.mark.parametrize(
    ("old", "new"),
    [("USER 10001:10001", "USER root"), ("WORKDIR /src\n", "WORKDIR /src\nRUN apt-get install curl\n")],
    ids=["last-user-root", "unpinned-apt"],
)
def test_a_dockerfile_with_a_bad_habit_fails_hadolint(tmp_path: Path, old: str, new: str) -> None:
    assert lint_errors(broken_copy(tmp_path, DOCKERFILE, old, new)) != ""


def test_the_image_is_built_in_stages_from_the_lock_and_runs_unprivileged() -> None:
    assert dockerfile_problems(DOCKERFILE.read_text()) == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("FROM ${PYTHON_IMAGE} AS runtime", "", "one stage"),
        ("USER 10001:10001", "USER 0", "runs as root"),
        ("USER 10001:10001", "", "runs as root"),
        ("pip install -c requirements.lock .", "pip install .", "requirements.lock"),
        ("COPY --from=build /opt/fengqiao", "COPY /opt/fengqiao", "copies nothing"),
    ],
)
def test_a_dockerfile_missing_a_rule_fails_the_structural_check(old: str, new: str, problem: str) -> None:
    text = DOCKERFILE.read_text()
    assert old in text
    assert any(problem in p for p in dockerfile_problems(text.replace(old, new)))


def test_the_image_gets_every_package_that_pyproject_installs() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text()
    pyproject = (ROOT / "pyproject.toml").read_text()

    assert unpackaged(ignore, pyproject) == []
    assert unpackaged(ignore.replace("!api/\n", ""), pyproject) == ["api"]


def test_every_FENGQIAO_variable_the_deployment_sets_is_a_setting() -> None:
    compose = load(COMPOSE)
    variables = [v for s in fengqiao_services(compose).values() for v in s["environment"]]
    configmap = next(d for d in documents() if d["kind"] == "ConfigMap")
    variables += list(configmap["data"])
    variables += [e["name"] for d in workloads().values() for c in _containers(d) for e in c.get("env", [])]

    assert len(variables) > 20
    assert unknown_settings(variables) == []
    assert unknown_settings(["FENGQIAO_PG_PASSWD", "FENGQIAO_PG_HOST_FILE"]) == [
        "FENGQIAO_PG_PASSWD",
        "FENGQIAO_PG_HOST_FILE",
    ]


def _containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    return workload["spec"]["template"]["spec"]["containers"]


def is_command(argv: list[str], capsys: pytest.CaptureFixture[str]) -> bool:
    with pytest.raises(SystemExit) as exit:
        fengqiao([*argv, "--help"])
    capsys.readouterr()
    return exit.value.code == 0


def test_every_container_runs_a_fengqiao_command(capsys: pytest.CaptureFixture[str]) -> None:
    commands = [s["command"] for s in fengqiao_services(load(COMPOSE)).values()]
    commands += [c["args"] for d in workloads().values() for c in _containers(d)]

    assert {c[0] for c in commands} == {"api", "worker", "dispatcher", "projector", "directory"}
    assert all(is_command(c, capsys) for c in commands)
    assert not is_command(["projecter"], capsys)


def test_the_compose_services_name_only_services_secrets_and_files_that_exist() -> None:
    compose = load(COMPOSE)
    services, secrets = compose["services"], compose["secrets"]
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name
        assert set(service.get("secrets", [])) <= set(secrets), name
        for variable, value in service.get("environment", {}).items():
            if is_secret_file(variable):
                assert value.removeprefix("/run/secrets/") in service["secrets"], (name, variable)
        for volume in service.get("volumes", []):
            source = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", volume.split(":")[0])
            if source.startswith("."):
                assert (DEPLOY / source).exists(), (name, source)
    assert set(SECRET_FILES) <= set(secrets)


def test_several_apis_and_workers_run_beside_one_dispatcher_and_one_projector() -> None:
    compose = load(COMPOSE)["services"]
    replicas = {
        name: compose[name]["deploy"]["replicas"] for name in ("api", "worker", "dispatcher", "projector")
    }
    cluster = {name.removeprefix("fengqiao-"): d["spec"].get("replicas") for name, d in workloads().items()}

    for counts in (replicas, cluster):
        assert counts["api"] >= 2 and counts["worker"] >= 2
        assert counts["dispatcher"] == 1 and counts["projector"] == 1
    for one in ("dispatcher", "projector"):
        assert workloads()[f"fengqiao-{one}"]["spec"]["strategy"]["type"] == "Recreate"


def keys(tmp_path: Path) -> dict[str, Path]:
    from eventsourcing.cryptography import AESCipher

    tmp_path.mkdir(exist_ok=True)
    for name in SECRET_FILES:
        (tmp_path / name).write_text(AESCipher.create_key(32) + "\n")
    return {name: tmp_path / name for name in SECRET_FILES}


def clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("FENGQIAO_"):
            monkeypatch.delenv(name)


def starts_in_production(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]) -> Settings:
    clean(monkeypatch)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FENGQIAO_DIRECTORY_FILE", str(DEPLOY / "directory.example.toml"))
    settings = Settings()
    directory = read_directory_file(settings.directory_file)
    check_settings(settings, directory, directory.plain_tokens)
    return settings


def test_the_compose_settings_start_in_production_with_the_example_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = keys(tmp_path)
    environment = dict(fengqiao_services(load(COMPOSE))["api"]["environment"])
    for variable, value in environment.items():
        if is_secret_file(variable):
            environment[variable] = str(files[value.removeprefix("/run/secrets/")])

    settings = starts_in_production(monkeypatch, environment)

    assert settings.mode == "production" and settings.store == "postgres"
    assert settings.pg_password == files["fengqiao_pg_password"].read_text().strip()


def test_the_cluster_settings_start_in_production_with_the_secret_as_a_secrets_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = keys(tmp_path / "secrets")
    environment = dict(next(d for d in documents() if d["kind"] == "ConfigMap")["data"])
    environment["FENGQIAO_SECRETS_DIR"] = str(tmp_path / "secrets")

    settings = starts_in_production(monkeypatch, environment)

    assert settings.id_key is not None
    assert settings.id_key.get_secret_value() == files["fengqiao_id_key"].read_text().strip()
    secret_mounts = [m for d in workloads().values() for c in _containers(d) for m in c["volumeMounts"]]
    assert {m["mountPath"] for m in secret_mounts if m["name"] == "secrets"} == {
        next(d for d in documents() if d["kind"] == "ConfigMap")["data"]["FENGQIAO_SECRETS_DIR"]
    }


def test_temporal_keeps_its_database_password_in_a_secret_and_serves_fengqiaos_namespace() -> None:
    values = load(DEPLOY / "k8s" / "temporal-values.yaml")["server"]["config"]
    configmap = next(d for d in documents() if d["kind"] == "ConfigMap")["data"]
    compose = load(COMPOSE)["services"]

    for store in values["persistence"]["datastores"].values():
        assert store["sql"]["pluginName"] == "postgres12"
        assert "password" not in store["sql"] and store["sql"]["existingSecret"]
    namespace = configmap["FENGQIAO_TEMPORAL_NAMESPACE"]
    assert [n["name"] for n in values["namespaces"]["namespace"]] == [namespace]
    assert compose["temporal-namespace"]["environment"]["NAMESPACE"] == namespace
    assert compose["api"]["environment"]["FENGQIAO_TEMPORAL_NAMESPACE"] == namespace
    assert (
        compose["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    )


@pytest.mark.parametrize("script", sorted(DEPLOY.rglob("*.sh")), ids=lambda p: p.name)
def test_the_deployment_scripts_are_valid_shell(script: Path, tmp_path: Path) -> None:
    assert subprocess.run(["sh", "-n", str(script)], check=False, capture_output=True).returncode == 0
    broken = broken_copy(tmp_path, script, "set -eu", "set -eu\nif then")
    assert subprocess.run(["sh", "-n", str(broken)], check=False, capture_output=True).returncode != 0
