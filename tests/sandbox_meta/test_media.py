"""Media: upload limits and sniffing, the five-minute URL, and Bearer-only downloads."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

import pytest

from .tenants import V, bearer, candidate_says, connect, error_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
OGG = b"OggS" + bytes(60)


@pytest.fixture
async def tenant(client):
    return await connect(client)


def _upload(client, tenant, data, mime, filename="file.bin", form_type=True):
    fields = {"messaging_product": "whatsapp"}
    if form_type:
        fields["type"] = mime
    return client.post(
        f"/{V}/{tenant.phone_number_id}/media",
        headers=tenant.headers,
        data=fields,
        files={"file": (filename, data, mime)},
    )


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_upload_lookup_and_download(client, tenant):
    uploaded = await _upload(client, tenant, PNG, "image/png", "cv.png")
    assert uploaded.status_code == 200, uploaded.text
    media_id = uploaded.json()["id"]
    info = (await client.get(f"/{V}/{media_id}", headers=tenant.headers)).json()
    assert info["messaging_product"] == "whatsapp" and info["id"] == media_id
    assert info["mime_type"] == "image/png" and info["file_size"] == str(len(PNG))
    assert info["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert info["url"].startswith("http://meta.test/_sim/meta/media/")

    without = await client.get(_path(info["url"]))
    assert without.status_code == 401
    stranger = await connect(client)
    assert (await client.get(_path(info["url"]), headers=stranger.headers)).status_code == 401
    downloaded = await client.get(_path(info["url"]), headers=tenant.headers)
    assert downloaded.status_code == 200 and downloaded.content == PNG
    assert downloaded.headers["content-type"] == "image/png"


async def test_media_url_lives_five_minutes(client, tenant, clock):
    media_id = (await _upload(client, tenant, PDF, "application/pdf", "cv.pdf")).json()["id"]
    url = (await client.get(f"/{V}/{media_id}", headers=tenant.headers)).json()["url"]
    clock.advance(301)
    assert (await client.get(_path(url), headers=tenant.headers)).status_code == 404
    fresh = (await client.get(f"/{V}/{media_id}", headers=tenant.headers)).json()["url"]
    assert (await client.get(_path(fresh), headers=tenant.headers)).content == PDF


async def test_media_lookup_is_scoped(client, tenant):
    media_id = (await _upload(client, tenant, PNG, "image/png")).json()["id"]
    stranger = await connect(client)
    assert error_of(await client.get(f"/{V}/{media_id}", headers=stranger.headers))["error_subcode"] == 33
    wrong_number = await client.get(
        f"/{V}/{media_id}", params={"phone_number_id": stranger.phone_number_id}, headers=tenant.headers
    )
    assert wrong_number.status_code == 400
    assert (await client.delete(f"/{V}/{media_id}", headers=tenant.headers)).json() == {"success": True}
    assert (await client.get(f"/{V}/{media_id}", headers=tenant.headers)).status_code == 400


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (PNG, "image/jpeg"),  # mislabelled
        (b"GIF89a" + bytes(20), "image/gif"),  # unsupported type
        (b"\xff\xd8\xff" + bytes(5 * 1024 * 1024), "image/jpeg"),  # over 5 MB
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(101 * 1024), "image/webp"),  # static sticker over 100 KB
        (b"", "application/pdf"),
    ],
)
async def test_upload_limits_are_131053(client, tenant, data, mime):
    response = await _upload(client, tenant, data, mime)
    assert response.status_code == 400 and error_of(response)["code"] == 131053


async def test_type_field_must_agree_with_the_file(client, tenant):
    response = await client.post(
        f"/{V}/{tenant.phone_number_id}/media",
        headers=tenant.headers,
        data={"messaging_product": "whatsapp", "type": "audio/ogg"},
        files={"file": ("a.pdf", PDF, "application/pdf")},
    )
    assert error_of(response)["code"] == 131053
    missing_product = await client.post(
        f"/{V}/{tenant.phone_number_id}/media",
        headers=tenant.headers,
        files={"file": ("a.pdf", PDF, "application/pdf")},
    )
    assert error_of(missing_product)["code"] == 100


async def test_uploaded_media_can_be_sent_by_id(client, tenant):
    await candidate_says(client, tenant, wa_id="212600000001")
    audio_id = (await _upload(client, tenant, OGG, "audio/ogg", form_type=False)).json()["id"]
    base = {"messaging_product": "whatsapp", "to": "212600000001"}
    sent = await client.post(
        f"/{V}/{tenant.phone_number_id}/messages",
        headers=tenant.headers,
        json={**base, "type": "audio", "audio": {"id": audio_id}},
    )
    assert sent.status_code == 200, sent.text
    as_image = await client.post(
        f"/{V}/{tenant.phone_number_id}/messages",
        headers=tenant.headers,
        json={**base, "type": "image", "image": {"id": audio_id}},
    )
    assert error_of(as_image)["code"] == 131053


async def test_inbound_media_is_downloadable_with_the_tenant_token(client, tenant, receiver):
    response = await client.post(
        "/_sim/meta/inbound",
        json={
            "phone_number_id": tenant.phone_number_id,
            "from": "212600000001",
            "name": "Ahmed",
            "type": "document",
            "mime_type": "application/pdf",
            "content_base64": base64.b64encode(PDF).decode(),
            "filename": "cv.pdf",
            "caption": "My CV",
        },
    )
    document = response.json()["payload"]["entry"][0]["changes"][0]["value"]["messages"][0]["document"]
    assert document["filename"] == "cv.pdf" and document["caption"] == "My CV"
    # Webhooks carry the digest in base64 (Graph's GET /{media_id} answers it in hex).
    digest = base64.b64encode(hashlib.sha256(PDF).digest()).decode()
    assert document["mime_type"] == "application/pdf" and document["sha256"] == digest
    info = (await client.get(f"/{V}/{document['id']}", headers=bearer(tenant.token))).json()
    assert (await client.get(_path(info["url"]), headers=tenant.headers)).content == PDF
