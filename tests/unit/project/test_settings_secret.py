"""Settings carries the Redis password as a Secret: from the environment or the settings file, handed to the
store factory, and never shown by repr, str, logs, load errors or a plain encode."""

from __future__ import annotations

import logging
from pathlib import Path

import msgspec
import pytest

from omnirec.secret import Secret
from omnirec.settings import Settings

PASSWORD = "s3cret-Passw0rd-for-tests"


def test_the_password_comes_from_the_environment_and_the_file(tmp_path: Path) -> None:
    assert Settings.load(environ={"OMNIREC_REDIS_PASSWORD": PASSWORD}).redis_password.reveal() == PASSWORD
    file = tmp_path / "omnirec.toml"
    file.write_text(f'redis_password = "{PASSWORD}"\n')
    assert Settings.load(file, environ={}).redis_password.reveal() == PASSWORD
    assert Settings.load(environ={}).redis_password.reveal() == ""  # none: the URL's own, if any


def test_the_password_never_shows_in_repr_str_logs_or_encoding(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings.load(environ={"OMNIREC_REDIS_PASSWORD": PASSWORD})
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)
    assert PASSWORD not in repr(settings.redis_password) and PASSWORD not in f"{settings.redis_password}"
    assert "redis_password=Secret('**********')" in repr(settings)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("omnirec.test").warning("settings: %s %r", settings, settings)
    assert "Secret(" in caplog.text and PASSWORD not in caplog.text
    with pytest.raises(TypeError):
        msgspec.json.encode(settings)  # an accidental dump fails instead of leaking
    assert PASSWORD not in str(msgspec.to_builtins(settings, enc_hook=repr))


def test_a_bad_setting_beside_the_password_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError) as refused:
        Settings.load(environ={"OMNIREC_REDIS_PASSWORD": PASSWORD, "OMNIREC_PORT": "http"})
    assert "port" in str(refused.value) and PASSWORD not in str(refused.value)
    with pytest.raises(ValueError) as wrong_type:
        Settings.load(redis_password=12345678)
    assert "redis_password" in str(wrong_type.value) and "12345678" not in str(wrong_type.value)


def test_the_private_serve_file_round_trips_every_value(tmp_path: Path) -> None:
    settings = Settings(redis_password=Secret(PASSWORD), port=8123, serve_model=str(tmp_path), metrics_dir="/m")
    file = tmp_path / "settings.json"
    file.write_bytes(settings.to_json())
    assert Settings.load(file, environ={}) == settings


def test_serve_paths_go_with_a_model() -> None:
    with pytest.raises(ValueError, match="serve_offers and serve_customers go with serve_model"):
        Settings.load(environ={"OMNIREC_SERVE_OFFERS": "offers.toml"})
