"""Customer profiles from users.csv into the feature store: features (segment, region, home store...) and
consent flags (columns consent_<purpose>). The service reads them for cold start, offers and consent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from omnirec.columns import CONSENT_PREFIX, Columns
from omnirec.data.csv_reader import find_data_file
from omnirec.data.event_log import FeatureTable
from omnirec.data.feature_reader import read_features
from omnirec.errors import DataError
from omnirec.store.protocol import FeatureStore

TRUE_VALUES = frozenset({"true", "yes", "y", "1"})
FALSE_VALUES = frozenset({"false", "no", "n", "0"})


@dataclass(frozen=True)
class CustomerProfile:
    customer_id: str
    features: dict[str, str]
    consent: dict[str, bool]


CUSTOMERS_MARKER = "customers"  # FeatureStore.write_marker name of the customer import


def users_file(path: Path) -> Path:
    """users.csv(.gz) itself, or the one in a data folder."""
    if path.is_dir():
        found = find_data_file(path, "users", required=False)
        if found is None:
            raise DataError(str(path), "no users.csv or users.csv.gz in this folder")
        return found
    return path


def feature_text(number: float) -> str:
    """A numeric cell as the store keeps it: every digit of an id-like integer (a home store 1234567 stays
    '1234567', not '1.23457e+06'), the shortest exact text of any other number."""
    return str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)


def profiles(table: FeatureTable, file: str) -> Iterator[CustomerProfile]:
    """One profile per row; an unparseable consent value is a DataError naming the row and column."""
    consent_cols = {
        name: name.removeprefix(CONSENT_PREFIX) for name in table.categorical if name.startswith(CONSENT_PREFIX)
    }
    numeric_consent = [name for name in table.numeric if name.startswith(CONSENT_PREFIX)]
    feature_cols = [name for name in table.categorical if name not in consent_cols]
    for row, customer in enumerate(table.ids.tolist()):
        features = {c: str(table.categorical[c][row]) for c in feature_cols if table.categorical[c][row] != ""}
        for column in table.numeric:
            number = float(table.numeric[column][row])
            if column not in numeric_consent and number == number:  # NaN: the cell was empty
                features[column] = feature_text(number)
        consent: dict[str, bool] = {}
        for column, purpose in consent_cols.items():
            value = str(table.categorical[column][row]).strip().lower()
            if value in TRUE_VALUES or value in FALSE_VALUES:
                consent[purpose] = value in TRUE_VALUES
            elif value:
                raise DataError(file, f"expected true/false, got {value!r}", row=row + 2, column=column)
        for column in numeric_consent:
            value_f = table.numeric[column][row]
            if value_f == value_f:  # not NaN
                consent[column.removeprefix(CONSENT_PREFIX)] = bool(value_f)
        yield CustomerProfile(customer_id=str(customer), features=features, consent=consent)


async def import_profiles(store: FeatureStore, path: Path, progress: Callable[[int, int], None] | None = None) -> int:
    """Write every customer's features and consent into the store; returns how many customers."""
    file = users_file(path)
    table = read_features(file, Columns.User)
    rows = list(profiles(table, file.name))  # validate the whole file before writing anything
    for done, profile in enumerate(rows, start=1):
        if profile.features:
            await store.set_features(profile.customer_id, profile.features)
        if profile.consent:
            await store.set_consent(profile.customer_id, profile.consent)
        if progress is not None:
            progress(done, len(rows))
    await store.write_marker(CUSTOMERS_MARKER)  # readiness: consent and features are in the store
    return len(rows)
