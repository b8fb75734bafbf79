import os

import pytest

# Tests run on the CPU whatever the machine has, so results are comparable everywhere.
os.environ.setdefault("PLAYGROUND_DEVICE", "cpu")
os.environ["PLAYGROUND_OFFLINE"] = "1"  # tests never touch the network
# Runs train in threads, the app's default; tests/test_workers.py and tests/test_classroom.py use worker processes.
os.environ["PLAYGROUND_WORKERS"] = "thread"


@pytest.fixture
def cpu_threads():
    import torch

    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture
def open_page():
    """``open_page(slug, query=None)``: a fresh AppTest session of the app on that page, rendered without exception."""
    from tests.helpers import open_page

    return open_page
