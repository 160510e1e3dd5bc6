import pytest

from storage.cipher import TokenCipher, generate_key
from storage.database import Database
from storage.migrate import upgrade


@pytest.fixture
def cipher():
    return TokenCipher([generate_key()])


@pytest.fixture
async def database(database_url):
    upgrade(database_url)
    db = Database(database_url)
    yield db
    await db.dispose()
