"""users.csv into the store: features and consent_* flags, validated before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from omnirec.cli.main import app
from omnirec.customer_profiles import import_profiles
from omnirec.demo.retailer import write_sample_data
from omnirec.errors import DataError
from omnirec.store.protocol import FeatureStore
from redis_servers import RedisServer

USERS = "user_id,segment,region,consent_email,consent_personalization\nc1,pet_owner,north,true,yes\nc2,diy,,false,0\n"


@pytest.mark.anyio
async def test_features_and_consent_land_on_the_customer(store: FeatureStore, tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(USERS)
    assert await import_profiles(store, tmp_path) == 2
    first, second = await store.get_customer("c1"), await store.get_customer("c2")
    assert first.features == {"segment": "pet_owner", "region": "north"}
    assert first.consent == {"email": True, "personalization": True}
    assert second.features == {"segment": "diy"}  # empty values are not features
    assert second.consent == {"email": False, "personalization": False}


@pytest.mark.anyio
async def test_numeric_features_keep_every_digit_and_blanks_are_absent(store: FeatureStore, tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text("user_id,home_store,spend\nc1,1234567,12.5\nc2,,0.1\nc3,42,\n")
    await import_profiles(store, tmp_path)
    assert (await store.get_customer("c1")).features == {"home_store": "1234567", "spend": "12.5"}
    assert (await store.get_customer("c2")).features == {"spend": "0.1"}  # no 'nan' home store
    assert (await store.get_customer("c3")).features == {"home_store": "42"}


@pytest.mark.anyio
async def test_a_bad_consent_value_names_row_and_column_and_writes_nothing(store: FeatureStore, tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(USERS + "c3,home,south,maybe,true\n")
    with pytest.raises(DataError, match=r"users.csv, row 4, column 'consent_email'.*maybe"):
        await import_profiles(store, tmp_path / "users.csv")
    assert (await store.get_customer("c1")).features == {}


def test_sample_customers_carry_consent_and_import_through_the_cli(tmp_path: Path, redis_server: RedisServer) -> None:
    write_sample_data(tmp_path, n_users=200, n_items=60, days=20)
    header = (tmp_path / "users.csv").read_text().splitlines()[0]
    assert header.endswith("consent_email,consent_personalization")
    target = ["--store", redis_server.url, "--prefix", "import-cli"]
    result = CliRunner().invoke(app, ["customers", "import", str(tmp_path), *target])
    assert result.exit_code == 0, result.output
    assert "imported 200 customers" in result.output
