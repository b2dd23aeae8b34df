"""Secret settings read from files: FENGQIAO_<NAME>_FILE, or a secrets directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr
from pydantic_settings import SettingsError

from infra.settings import SECRET_SETTINGS, Settings

SECRETS = ["pg_password", "cipher_key", "id_key"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No FENGQIAO_* variable of the machine running the tests leaks into these."""
    for name in list(os.environ):
        if name.upper().startswith("FENGQIAO_"):
            monkeypatch.delenv(name)
    return monkeypatch


def value(settings: Settings, name: str) -> str:
    found = getattr(settings, name)
    return found.get_secret_value() if isinstance(found, SecretStr) else found


def secret_file(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", SECRETS)
def test_each_secret_setting_is_read_from_the_file_its_FILE_variable_names(
    name: str, tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    path = secret_file(tmp_path, "secret", "s3cret-from-a-file-0123456789abcdef\n")
    clean_environment.setenv(f"FENGQIAO_{name.upper()}_FILE", str(path))

    assert value(Settings(), name) == "s3cret-from-a-file-0123456789abcdef"


def test_the_file_gives_the_secret_to_the_event_store_and_the_cipher(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("FENGQIAO_STORE", "postgres")
    clean_environment.setenv("FENGQIAO_PG_PASSWORD_FILE", str(secret_file(tmp_path, "pg", "pw\n")))
    clean_environment.setenv("FENGQIAO_CIPHER_KEY_FILE", str(secret_file(tmp_path, "key", "k3y\n")))

    env = Settings().event_store_env()

    assert env["POSTGRES_PASSWORD"] == "pw"
    assert env["CIPHER_KEY"] == "k3y"


def test_a_secret_given_both_directly_and_by_file_is_refused(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("FENGQIAO_ID_KEY", "from-the-environment")
    clean_environment.setenv("FENGQIAO_ID_KEY_FILE", str(secret_file(tmp_path, "id", "from-a-file")))

    with pytest.raises(SettingsError, match="FENGQIAO_ID_KEY and FENGQIAO_ID_KEY_FILE are both set"):
        Settings()


def test_a_secret_file_that_cannot_be_read_is_refused_with_its_variable_and_path(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-such-file"
    clean_environment.setenv("FENGQIAO_CIPHER_KEY_FILE", str(missing))

    with pytest.raises(SettingsError, match=f"FENGQIAO_CIPHER_KEY_FILE: cannot read {missing}"):
        Settings()


def test_a_FILE_variable_for_a_setting_that_is_not_secret_is_not_read(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("FENGQIAO_PG_HOST_FILE", str(secret_file(tmp_path, "host", "elsewhere")))

    assert Settings().pg_host == "127.0.0.1"


@pytest.mark.parametrize("name", SECRETS)
def test_each_secret_setting_is_read_from_the_secrets_directory(
    name: str, tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    secret_file(tmp_path, f"fengqiao_{name}", "from-the-folder\n")
    clean_environment.setenv("FENGQIAO_SECRETS_DIR", str(tmp_path))

    assert value(Settings(), name) == "from-the-folder"


def test_the_secrets_directory_can_be_given_to_the_settings_directly(tmp_path: Path) -> None:
    secret_file(tmp_path, "FENGQIAO_PG_PASSWORD", "upper-case-name-too")

    assert Settings(_secrets_dir=tmp_path).pg_password == "upper-case-name-too"


def test_the_environment_and_then_a_FILE_variable_win_over_the_secrets_directory(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "secrets"
    folder.mkdir()
    secret_file(folder, "fengqiao_pg_password", "from-the-folder")
    secret_file(folder, "fengqiao_id_key", "from-the-folder")
    clean_environment.setenv("FENGQIAO_SECRETS_DIR", str(folder))
    clean_environment.setenv("FENGQIAO_PG_PASSWORD", "from-the-environment")
    clean_environment.setenv("FENGQIAO_ID_KEY_FILE", str(secret_file(tmp_path, "id", "from-a-file")))

    settings = Settings()

    assert settings.pg_password == "from-the-environment"
    assert value(settings, "id_key") == "from-a-file"


def test_every_secret_field_of_the_settings_can_come_from_a_file() -> None:
    secret_fields = {
        name for name, field in Settings.model_fields.items() if "SecretStr" in str(field.annotation)
    }

    assert secret_fields | {"pg_password"} <= set(SECRET_SETTINGS)


@pytest.mark.parametrize("name", ["seal_key", "session_secret"])
def test_the_reserved_secret_names_are_read_from_files_once_their_fields_exist(
    name: str, tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    class Later(Settings):
        seal_key: SecretStr | None = None
        session_secret: SecretStr | None = None

    clean_environment.setenv(f"FENGQIAO_{name.upper()}_FILE", str(secret_file(tmp_path, name, "reserved\n")))

    assert value(Later(), name) == "reserved"
