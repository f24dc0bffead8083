from __future__ import annotations

import pytest
from specbuild.pin import load_pin
from specbuild.sources import SourceFile, read_directory

from tests.unit._spec import SHARED_API


@pytest.fixture(scope="session")
def v11_sources() -> list[SourceFile]:
    pin = load_pin()
    if not pin.source_dir.is_dir():
        pytest.skip(f"spec sources not found at {pin.source_dir}")
    return read_directory(pin.source_dir, pin, check_hashes=True)


@pytest.fixture(scope="session")
def shared_api() -> object:
    if not SHARED_API.is_dir():
        pytest.skip(f"{SHARED_API} not found")
    return SHARED_API
