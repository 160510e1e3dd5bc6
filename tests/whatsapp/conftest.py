"""Shared for the Graph client tests: the app's credentials, a client whose sleeps are recorded, a respx router."""

import pytest
import respx

from whatsapp.graph import GraphClient

BASE = "https://graph.test"
ROOT = f"{BASE}/v24.0"
APP_ID = "1234567890"
APP_SECRET = "app-secret-5f0e0c1d9a"
TOKEN = "EAAtenant-token-8c2b7e11"
SYSTEM_TOKEN = "EAAsystem-user-token-31aa4f"
PNID = "106540352242922"
WABA = "495709166956424"


def make_client(sleeps: list[float], **options) -> GraphClient:
    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    settings = {"base_url": BASE, "api_version": "v24.0", "app_id": APP_ID, "app_secret": APP_SECRET,
                "sleep": fake_sleep, "random": lambda: 0.5, **options}
    return GraphClient(**settings)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
async def client(sleeps):
    async with make_client(sleeps) as graph:
        yield graph


@pytest.fixture
def meta():
    with respx.mock(assert_all_called=True) as router:
        yield router
