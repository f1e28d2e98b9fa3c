"""The input data contract: fatal errors name file, row and column; warnings are counted; known answers."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from omnirec.data.loading import load_dataset
from omnirec.errors import DataError
from omnirec.training_config import TrainingConfig
from shared_data import SKIP_REASON, shared_data_dir
from tiny_data import TINY_EVENTS, TINY_SORTED_USERS, write_tiny_folder

HEADER = "user_id,item_id,event_type,channel,timestamp,quantity,price"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def load(folder: Path, config: TrainingConfig | None = None) -> object:
    return load_dataset(folder, config or TrainingConfig())


def events_folder(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    return write_tiny_folder(tmp_path, events=f"{header}\n{body}", items=None, users=None)


def assert_error(exc: pytest.ExceptionInfo[DataError], file: str, row: int | None, column: str | None) -> str:
    error = exc.value
    assert error.file.endswith(file)
    assert error.row == row
    assert error.column == column
    message = str(error)
    assert file in message
    if row is not None:
        assert f"row {row}" in message
    if column is not None:
        assert f"'{column}'" in message
    return message


# --- fatal errors -------------------------------------------------------------------------------


def test_missing_events_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        load(tmp_path)
    assert "events.csv" in str(exc.value) and "events.csv.gz" in str(exc.value)


def test_missing_required_column(tmp_path: Path) -> None:
    folder = events_folder(tmp_path, "u1,i1,view,web\n", header="user_id,item_id,event_type,channel")
    with pytest.raises(DataError) as exc:
        load(folder)
    assert_error(exc, "events.csv", 1, "timestamp")


def test_empty_required_value(tmp_path: Path) -> None:
    folder = events_folder(tmp_path, "u1,i1,view,web,2024-01-01,,\n,i2,view,web,2024-01-01,,\n")
    with pytest.raises(DataError) as exc:
        load(folder)
    assert "empty" in assert_error(exc, "events.csv", 3, "user_id")


def test_unparseable_timestamp(tmp_path: Path) -> None:
    folder = events_folder(tmp_path, "u1,i1,view,web,2024-01-01,,\nu1,i1,view,web,yesterday,,\n")
    with pytest.raises(DataError) as exc:
        load(folder)
    message = assert_error(exc, "events.csv", 3, "timestamp")
    assert "ISO 8601" in message and "yesterday" in message


def test_unknown_event_type_lists_valid_ones_and_how_to_add(tmp_path: Path) -> None:
    folder = events_folder(tmp_path, "u1,i1,view,web,2024-01-01,,\nu1,i1,like,web,2024-01-01,,\n")
    with pytest.raises(DataError) as exc:
        load(folder)
    message = assert_error(exc, "events.csv", 3, "event_type")
    assert "'like'" in message and "add_to_cart" in message and "purchase" in message
    assert "event_weights" in message and "TOML" in message


def test_unknown_event_type_accepted_when_configured(tmp_path: Path) -> None:
    folder = events_folder(tmp_path, "u1,i1,like,web,2024-01-01,,\n")
    config = TrainingConfig(event_weights={"like": 2.0})
    assert list(load_dataset(folder, config).events.event_types) == ["like"]


def test_unknown_channel(tmp_path: Path) -> None:
    folder = events_folder(tmp_path, "u1,i1,view,kiosk,2024-01-01,,\n")
    with pytest.raises(DataError) as exc:
        load(folder)
    message = assert_error(exc, "events.csv", 2, "channel")
    assert "allow_unknown_channels" in message and "store" in message


def test_unknown_channel_allowed(tmp_path: Path) -> None:
    folder = events_folder(tmp_path, "u1,i1,view,kiosk,2024-01-01,,\nu1,i1,view,,2024-01-01,,\n")
    events = load_dataset(folder, TrainingConfig(allow_unknown_channels=True)).events
    assert list(events.channels) == ["kiosk", "web"]  # an empty channel becomes the default channel


@pytest.mark.parametrize("column,body", [("quantity", "u1,i1,view,web,2024-01-01,two,1.5\n"),
                                         ("price", "u1,i1,view,web,2024-01-01,2,€3\n")])  # fmt: skip
def test_non_numeric_quantity_or_price(tmp_path: Path, column: str, body: str) -> None:
    with pytest.raises(DataError) as exc:
        load(events_folder(tmp_path, body))
    assert "expected a number" in assert_error(exc, "events.csv", 2, column)


@pytest.mark.parametrize("stem,id_column", [("items", "item_id"), ("users", "user_id")])
def test_duplicate_feature_id(tmp_path: Path, stem: str, id_column: str) -> None:
    folder = write_tiny_folder(tmp_path)
    (folder / f"{stem}.csv").write_text(f"{id_column},colour\na,red\nb,blue\na,green\n")
    with pytest.raises(DataError) as exc:
        load(folder)
    message = assert_error(exc, f"{stem}.csv", 4, id_column)
    assert "duplicate" in message and "row 2" in message


def test_duplicate_event_id(tmp_path: Path) -> None:
    body = "e1,u1,i1,view,2024-01-01\ne2,u1,i1,view,2024-01-01\ne1,u1,i1,view,2024-01-01\n"
    folder = events_folder(tmp_path, body, header="event_id,user_id,item_id,event_type,timestamp")
    with pytest.raises(DataError) as exc:
        load(folder)
    message = assert_error(exc, "events.csv", 4, "event_id")
    assert "'e1'" in message and "row 2" in message


@pytest.mark.parametrize("stem", ["events", "items", "users"])
def test_file_without_data_rows(tmp_path: Path, stem: str) -> None:
    folder = write_tiny_folder(tmp_path)
    (folder / f"{stem}.csv").write_text(f"{stem[:4]}_id,x\n" if stem != "events" else HEADER + "\n")
    with pytest.raises(DataError) as exc:
        load(folder)
    assert "no data rows" in assert_error(exc, f"{stem}.csv", 2, None)


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        load(events_folder(tmp_path, "", header=""))
    assert "empty" in assert_error(exc, "events.csv", 1, None)


def test_wrong_number_of_fields(tmp_path: Path) -> None:
    folder = events_folder(tmp_path, "u1,i1,view,web,2024-01-01,,\nu1,i1,view,web,2024-01-01\n")
    with pytest.raises(DataError) as exc:
        load(folder)
    assert "has 5 fields, expected 7" in assert_error(exc, "events.csv", 3, None)


def test_blank_lines_are_skipped_and_rows_still_numbered_by_line(tmp_path: Path) -> None:
    folder = events_folder(tmp_path, "u1,i1,view,web,2024-01-01,,\n\nu1,i1,view,web,nope,,\n")
    with pytest.raises(DataError) as exc:
        load(folder)
    assert_error(exc, "events.csv", 4, "timestamp")


def test_undecodable_bytes(tmp_path: Path) -> None:
    folder = events_folder(tmp_path, "")
    (folder / "events.csv").write_bytes(
        f"{HEADER}\nu1,i1,view,web,2024-01-01,,\n".encode() + b"u\xe9,i1,view,web,2024-01-01,,\n"
    )
    with pytest.raises(DataError) as exc:
        load(folder)
    assert "UTF-8" in assert_error(exc, "events.csv", 3, None)


def test_both_plain_and_gz_is_ambiguous(tmp_path: Path) -> None:
    folder = write_tiny_folder(tmp_path)
    (folder / "events.csv.gz").write_bytes(gzip.compress(TINY_EVENTS.encode()))
    with pytest.raises(DataError, match="keep only one"):
        load(folder)


# --- warnings -----------------------------------------------------------------------------------


def test_unknown_columns_warn_once_and_are_ignored(tmp_path: Path) -> None:
    body = "u1,i1,view,web,2024-01-01,,,x\nu1,i1,view,web,2024-01-02,,,y\n"
    folder = events_folder(tmp_path, body, header=HEADER + ",referrer")
    seen: list[str] = []
    dataset = load_dataset(folder, TrainingConfig(), warn=seen.append)
    assert len(seen) == 1 and "referrer" in seen[0]
    assert dataset.warnings == tuple(seen)


def test_events_for_unknown_items_and_users_are_kept_with_one_warning_each(tmp_path: Path) -> None:
    events = TINY_EVENTS + "u9,i9,view,web,2024-01-04T00:00:00Z,,\nu9,i9,view,web,2024-01-05T00:00:00Z,,\n"
    dataset = load_dataset(write_tiny_folder(tmp_path, events=events), TrainingConfig())
    assert len(dataset.events) == 8
    assert len(dataset.warnings) == 2
    items_line, users_line = dataset.warnings
    assert "2 events" in items_line and "items.csv" in items_line and "kept" in items_line
    assert "2 events" in users_line and "users.csv" in users_line


def test_purchase_quantities_zero_skipped_negative_become_returns(tmp_path: Path) -> None:
    body = (
        "u1,i1,purchase,web,2024-01-01,0,\nu1,i1,purchase,web,2024-01-02,-2,\n"
        "u1,i2,purchase,web,2024-01-03,-1,\nu1,i3,purchase,web,2024-01-04,1,\nu1,i3,view,web,2024-01-05,0,\n"
    )
    dataset = load(events_folder(tmp_path, body))
    events = dataset.events
    assert list(events.event_types) == ["return", "return", "purchase", "view"]
    assert list(events.quantity) == [2.0, 1.0, 1.0, 0.0]
    assert any("skipped 1 purchases with quantity 0" in line for line in dataset.warnings)
    assert any("2 purchases with a negative quantity were loaded as returns" in line for line in dataset.warnings)


def test_negative_purchase_skipped_when_returns_not_configured(tmp_path: Path) -> None:
    body = "u1,i1,purchase,web,2024-01-01,-2,\nu1,i1,purchase,web,2024-01-02,1,\n"
    config = TrainingConfig(event_weights={"purchase": 5.0})
    dataset = load_dataset(events_folder(tmp_path, body), config)
    assert len(dataset.events) == 1
    assert "skipped 1 purchases with a negative quantity" in dataset.warnings[0]


# --- known answers ------------------------------------------------------------------------------


def test_iso_and_unix_timestamps_known_answers(tmp_path: Path) -> None:
    body = "\n".join(
        f"u1,i1,view,web,{value},,"
        for value in (
            "2017-01-01T00:00:00Z",  # 1483228800
            "2017-01-01T01:00:00+01:00",  # same instant
            "2017-01-01T00:00:00",  # no offset means UTC
            "2017-01-01",  # date only
            "2017-01-01T00:00:00.750Z",  # fraction floored
            "1483228800",
            "1483228800.9",
        )
    )
    folder = events_folder(tmp_path, body + "\n")
    assert list(load(folder).events.timestamps) == [1483228800] * 7


def test_all_unix_seconds_file(tmp_path: Path) -> None:
    folder = events_folder(tmp_path, "u1,i1,view,web,1483228801,,\nu1,i1,view,web,1483228800.5,,\n")
    assert list(load(folder).events.timestamps) == [1483228800, 1483228801]


def test_tiny_folder_sorted_with_defaults_and_features(tmp_path: Path) -> None:
    dataset = load(write_tiny_folder(tmp_path))
    events = dataset.events
    assert list(events.user_ids) == TINY_SORTED_USERS
    assert np.all(np.diff(events.timestamps) >= 0)
    assert events.timestamps.dtype == np.int64 and events.quantity.dtype == np.float32
    assert list(events.quantity) == [2.0, 1.0, 1.0, 1.0, 1.0, 1.0]  # empty quantity means 1
    assert np.isnan(events.price[3])  # empty price means unknown
    assert list(events.session_ids) == [""] * 6
    assert dataset.items is not None and dataset.users is not None
    assert set(dataset.items.numeric) == {"price"} and set(dataset.items.categorical) == {"category", "brand"}
    assert np.isnan(dataset.items.numeric["price"][2])
    assert set(dataset.users.numeric) == {"age"} and list(dataset.users.categorical["segment"])[2] == "home"
    assert len(dataset.fingerprint) == 64 and dataset.warnings == ()


def test_stable_sort_keeps_file_order_for_equal_timestamps(tmp_path: Path) -> None:
    body = "".join(f"u{n},i1,view,web,2024-01-0{2 if n % 2 else 1},,\n" for n in range(6))
    events = load(events_folder(tmp_path, body)).events
    assert list(events.user_ids) == ["u0", "u2", "u4", "u1", "u3", "u5"]


def test_gz_files_load_the_same_and_fingerprint_tracks_bytes(tmp_path: Path) -> None:
    plain = load(write_tiny_folder(tmp_path / "plain"))
    gz_folder = tmp_path / "gz"
    gz_folder.mkdir()
    for source in (tmp_path / "plain").iterdir():
        (gz_folder / f"{source.name}.gz").write_bytes(gzip.compress(source.read_bytes()))
    packed = load(gz_folder)
    assert list(packed.events.item_ids) == list(plain.events.item_ids)
    assert np.array_equal(packed.events.timestamps, plain.events.timestamps)
    assert packed.fingerprint != plain.fingerprint
    assert load(write_tiny_folder(tmp_path / "again")).fingerprint == plain.fingerprint


def test_optional_columns_absent_get_defaults(tmp_path: Path) -> None:
    folder = events_folder(tmp_path, "u1,i1,purchase,2024-01-01\n", header="user_id,item_id,event_type,timestamp")
    events = load(folder).events
    assert list(events.channels) == ["web"] and list(events.quantity) == [1.0] and np.isnan(events.price[0])


def test_quoted_fields_and_bom(tmp_path: Path) -> None:
    folder = write_tiny_folder(tmp_path)
    (folder / "items.csv").write_bytes(
        '\ufeffitem_id,title\ni1,"Cat food, 2 kg"\ni2,"Big\nlitter"\ni3,x\ni4,y\n'.encode()
    )
    items = load(folder).items
    assert items is not None and list(items.categorical["title"][:2]) == ["Cat food, 2 kg", "Big\nlitter"]


def test_uci_slice_fixture_loads() -> None:
    dataset = load(FIXTURES / "uci_slice")
    assert len(dataset.events) == 3004
    assert set(dataset.events.event_types) == {"purchase", "return"}
    assert dataset.users is not None and len(dataset.users) == 113


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["instacart", "uci-online-retail", "rees46", "hm-channels"])
def test_shared_datasets_load(name: str) -> None:
    folder = shared_data_dir()
    if folder is None or not (folder / name).is_dir():
        pytest.skip(SKIP_REASON)
    dataset = load(folder / name)
    assert len(dataset.events) > 0 and dataset.items is not None
    assert np.all(np.diff(dataset.events.timestamps) >= 0)


def test_numeric_columns_override_of_a_text_column_names_file_and_column(tmp_path: Path) -> None:
    folder = write_tiny_folder(tmp_path)
    with pytest.raises(DataError) as exc:
        load(folder, TrainingConfig(numeric_columns=("brand",)))
    assert "numeric_columns" in assert_error(exc, "items.csv", None, "brand")


def test_column_overrides_naming_no_column_warn(tmp_path: Path) -> None:
    dataset = load_dataset(write_tiny_folder(tmp_path), TrainingConfig(categorical_columns=("colour",)))
    assert any("colour" in line for line in dataset.warnings)


def test_training_config_refuses_a_column_in_both_override_lists() -> None:
    with pytest.raises(ValueError, match="both"):
        TrainingConfig(categorical_columns=("price",), numeric_columns=("price",))


# --- Parquet ------------------------------------------------------------------------------------


def write_parquet(path: Path, columns: dict[str, list[object]], types: dict[str, object] | None = None) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(name, (types or {}).get(name) or pa.string()) for name in columns])
    pq.write_table(pa.table(columns, schema=schema), path)
    return path


def test_parquet_folder_loads_like_csv(tmp_path: Path) -> None:
    import pyarrow as pa

    plain = load(write_tiny_folder(tmp_path / "csv"))
    folder = tmp_path / "parquet"
    folder.mkdir()
    write_parquet(
        folder / "events.parquet",
        {
            "user_id": ["u1", "u1", "u2", "u2", "u3", "u3"],
            "item_id": ["i1", "i1", "i2", "i3", "i1", "i4"],
            "event_type": ["view", "purchase", "purchase", "view", "add_to_cart", "purchase"],
            "channel": ["web", "web", "store", "app", "app", "app"],
            "timestamp": [
                datetime(2024, 1, 1, 10, 0, tzinfo=UTC),
                datetime(2024, 1, 1, 10, 5, tzinfo=UTC),
                datetime(2024, 1, 1, 9, 0, tzinfo=UTC),
                datetime(2024, 1, 2, 8, 0, tzinfo=UTC),
                datetime(2024, 1, 2, 12, 0, tzinfo=UTC),
                datetime(2024, 1, 3, 12, 0, tzinfo=UTC),
            ],
            "quantity": [None, 1, 2, None, 1, 1],
            "price": [9.99, 9.99, 4.5, None, 9.99, 120.0],
        },
        {"timestamp": pa.timestamp("ms", "UTC"), "quantity": pa.int32(), "price": pa.float64()},
    )
    write_parquet(folder / "items.parquet", {"item_id": ["i1", "i2", "i3", "i4"], "price": [9.99, 4.5, None, 120.0]},
                  {"price": pa.float64()})  # fmt: skip
    dataset = load(folder)
    events = dataset.events
    for name in ("user_ids", "item_ids", "event_types", "channels", "timestamps", "quantity"):
        assert getattr(events, name).tolist() == getattr(plain.events, name).tolist(), name
    assert np.array_equal(events.price, plain.events.price, equal_nan=True)
    assert dataset.items is not None and set(dataset.items.numeric) == {"price"}
    assert np.isnan(dataset.items.numeric["price"][2])


def test_parquet_integer_ids_and_unix_seconds(tmp_path: Path) -> None:
    import pyarrow as pa

    write_parquet(
        tmp_path / "events.parquet",
        {"user_id": [7, 8], "item_id": [100, 101], "event_type": ["view", "view"], "timestamp": [1483228800, 5]},
        {"user_id": pa.int64(), "item_id": pa.int64(), "timestamp": pa.int64()},
    )
    events = load(tmp_path).events
    assert events.user_ids.tolist() == ["8", "7"] and events.timestamps.tolist() == [5, 1483228800]


def test_parquet_null_in_required_column_names_the_row(tmp_path: Path) -> None:
    write_parquet(
        tmp_path / "events.parquet",
        {"user_id": ["u1", None], "item_id": ["i1", "i2"], "event_type": ["view", "view"],
         "timestamp": ["2024-01-01", "2024-01-02"]},
    )  # fmt: skip
    with pytest.raises(DataError) as exc:
        load(tmp_path)
    assert "empty" in assert_error(exc, "events.parquet", 2, "user_id")  # Parquet: row 1 is the first data row


def test_parquet_unknown_event_type_is_fatal(tmp_path: Path) -> None:
    write_parquet(
        tmp_path / "events.parquet",
        {"user_id": ["u1", "u1"], "item_id": ["i1", "i2"], "event_type": ["view", "like"],
         "timestamp": ["2024-01-01", "2024-01-02"]},
    )  # fmt: skip
    with pytest.raises(DataError) as exc:
        load(tmp_path)
    message = assert_error(exc, "events.parquet", 2, "event_type")
    assert "unknown event_type 'like'" in message and "np.str_" not in message


@pytest.mark.parametrize("content", [b"", b"PAR1 not really parquet", b"user_id,item_id\nu1,i1\n"])
def test_bad_parquet_file_is_a_data_error(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "events.parquet").write_bytes(content)
    with pytest.raises(DataError) as exc:
        load(tmp_path)
    assert "events.parquet" in str(exc.value) and "not a readable Parquet file" in str(exc.value)


def test_csv_and_parquet_of_one_stem_is_ambiguous(tmp_path: Path) -> None:
    folder = write_tiny_folder(tmp_path)
    write_parquet(folder / "events.parquet", {"user_id": ["u1"]})
    with pytest.raises(DataError, match="keep only one"):
        load(folder)


def test_padded_numbers_and_fractional_times_take_the_exact_path(tmp_path: Path) -> None:
    body = "u1,i1,purchase,web,2017-01-01T00:00:00.750Z, 2 ,1.5\nu1,i1,view,web,2017-01-01T00:00:01+00:00,,\n"
    events = load(events_folder(tmp_path, body)).events
    assert events.timestamps.tolist() == [1483228800, 1483228801] and events.quantity.tolist() == [2.0, 1.0]


def test_first_bad_value_in_file_order_is_reported(tmp_path: Path) -> None:
    body = "u1,i1,view,web,2024-01-01,,zz\nu1,i1,view,web,2024-01-01,,aa\nu1,i1,view,web,2024-01-01,,zz\n"
    with pytest.raises(DataError) as exc:
        load(events_folder(tmp_path, body))
    assert "'zz'" in assert_error(exc, "events.csv", 2, "price")


def test_string_columns_are_dictionary_encoded(tmp_path: Path) -> None:
    events = load(write_tiny_folder(tmp_path)).events
    coded = events.coded["event_types"]
    assert coded.codes.dtype == np.int32 and sorted(coded.values.tolist()) == ["add_to_cart", "purchase", "view"]
    assert events.take(np.array([0, 1])).user_ids.tolist() == TINY_SORTED_USERS[:2]


def test_event_ids_are_unique_per_user(tmp_path: Path) -> None:
    header = "event_id,user_id,item_id,event_type,timestamp"
    shared = "e1,u1,i1,view,2024-01-01\ne1,u2,i1,view,2024-01-01\ne2,u1,i1,view,2024-01-02\n"
    assert len(load(events_folder(tmp_path / "ok", shared, header=header)).events) == 3
    with pytest.raises(DataError) as exc:
        load(events_folder(tmp_path / "bad", shared + "e2,u1,i2,view,2024-01-03\n", header=header))
    message = assert_error(exc, "events.csv", 5, "event_id")
    assert "'e2' for user 'u1' (first seen in row 4)" in message


def test_a_numeric_override_of_text_prints_the_value_plainly(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        load(write_tiny_folder(tmp_path), TrainingConfig(numeric_columns=("brand",)))
    assert "('Whiskerly')" in str(exc.value) and "np.str_" not in str(exc.value)


def test_dictionary_values_convert_block_by_block() -> None:
    import pyarrow as pa

    from omnirec.data.arrow_columns import unicode_array

    values = ["ab", "", "çé", "xxxxx", "z"]
    converted = unicode_array(pa.array(values), block=2)
    assert converted.tolist() == values and converted.dtype == np.dtype("<U5")


def test_parquet_non_finite_price_is_named_plainly(tmp_path: Path) -> None:
    import pyarrow as pa

    write_parquet(
        tmp_path / "events.parquet",
        {"user_id": ["u1", "u1"], "item_id": ["i1", "i2"], "event_type": ["view", "view"],
         "timestamp": ["2024-01-01", "2024-01-02"], "price": [1.5, float("inf")]},
        {"price": pa.float64()},
    )  # fmt: skip
    with pytest.raises(DataError) as exc:
        load(tmp_path)
    message = assert_error(exc, "events.parquet", 2, "price")
    assert "expected a number, got inf" in message and "np." not in message


def test_parquet_text_columns_across_row_groups_with_nulls(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "user_id": ["u1", "u2", "u3", "u1", "u2"],
            "item_id": ["i1", "i1", "i2", "i3", "i1"],
            "event_type": ["view", "view", "purchase", "view", "view"],
            "timestamp": [f"2024-01-0{d}" for d in range(1, 6)],
            "session_id": ["s1", None, "s2", "s1", None],
            "event_id": ["e1", "e2", "e3", "e4", "e2"],
        }
    )
    pq.write_table(table, tmp_path / "events.parquet", row_group_size=2)  # three chunks, three dictionaries
    with pytest.raises(DataError) as exc:
        load(tmp_path)
    assert "'e2' for user 'u2'" in assert_error(exc, "events.parquet", 5, "event_id")
    assert "first seen in row 2" in str(exc.value)
    pq.write_table(table.drop_columns(["event_id"]), tmp_path / "events.parquet", row_group_size=2)
    events = load(tmp_path).events
    assert events.user_ids.tolist() == ["u1", "u2", "u3", "u1", "u2"]
    assert events.session_ids.tolist() == ["s1", "", "s2", "s1", ""]
    assert sorted(events.coded["user_ids"].values.tolist()) == ["u1", "u2", "u3"]
