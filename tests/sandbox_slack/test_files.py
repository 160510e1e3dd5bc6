"""Files, upload v2 and downloads: the bytes need the bot token, without it Slack serves a sign-in page."""

from __future__ import annotations

import base64
import json

import pytest

from sandbox.slack import Realism

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 120


@pytest.fixture
def realism() -> Realism:
    return Realism(time_scale=0.01)  # an upload's share comes 10 ms later instead of a second


async def upload(api, client, ws, content: bytes = PNG, *, name: str = "cv.png", **complete) -> dict:
    step1 = await api("files.getUploadURLExternal", as_json=False, filename=name, length=len(content))
    assert step1["upload_url"] == f"http://testserver/_sim/slack/upload/{step1['file_id']}"
    step2 = await client.post(step1["upload_url"], content=content)
    assert step2.status_code == 200 and step2.text == f"OK - {len(content)}"
    args = {"files": json.dumps([{"id": step1["file_id"], "title": "Candidate CV"}]), **complete}
    return await api("files.completeUploadExternal", as_json=False, **args)


async def test_upload_v2_shares_into_a_thread_a_moment_later(api, client, ws, world):
    root = await api("chat.postMessage", channel=ws.public_channel_id, text="conversation")
    done = await upload(
        api,
        client,
        ws,
        channel_id=ws.public_channel_id,
        thread_ts=root["ts"],
        initial_comment="from WhatsApp",
    )
    file = done["files"][0]
    assert file["title"] == "Candidate CV" and file["mimetype"] == "image/png" and file["size"] == len(PNG)
    # Like Slack: the answer knows no shares yet, and the share message is not there yet either
    assert "shares" not in file and file["channels"] == []
    assert (await api("files.info", file=file["id"]))["file"].get("shares") is None
    assert [m["text"] for m in world.messages(ws.public_channel_id)] == ["conversation"]
    await world.outbox.settle()
    shared = (await api("files.info", file=file["id"]))["file"]
    assert shared["shares"]["public"][ws.public_channel_id][0]["thread_ts"] == root["ts"]
    assert shared["channels"] == [ws.public_channel_id]
    share = world.messages(ws.public_channel_id)[-1]
    assert share["thread_ts"] == root["ts"] and share["text"] == "from WhatsApp"
    assert share["subtype"] == "file_share" and share["upload"] is True
    assert share["files"][0]["id"] == file["id"] and share["bot_id"] == ws.bot_id


async def test_files_are_shared_at_once_with_realism_off(api, client, ws, world):
    world.change_realism({"file_share_delay_seconds": 0})
    done = await upload(api, client, ws, channel_id=ws.public_channel_id)
    assert "shares" not in done["files"][0]  # the answer still predates the share, as in Slack
    assert world.messages(ws.public_channel_id)[-1]["files"][0]["id"] == done["files"][0]["id"]


async def test_authenticated_download_and_the_html_page_without_a_token(api, client, ws):
    done = await upload(api, client, ws, channel_id=ws.public_channel_id)
    url = done["files"][0]["url_private_download"]
    assert url.startswith("http://testserver/_sim/slack/files/")
    good = await client.get(url, headers={"Authorization": f"Bearer {ws.bot_token}"})
    assert good.status_code == 200 and good.content == PNG and good.headers["content-type"] == "image/png"
    anonymous = await client.get(url)
    assert anonymous.status_code == 200 and anonymous.headers["content-type"].startswith("text/html")
    assert b"Sign in" in anonymous.content
    as_params = await client.get(url, params={"Authorization": f"Bearer {ws.bot_token}"})  # bolt-python#1283
    assert as_params.headers["content-type"].startswith("text/html")
    private = await client.get(
        done["files"][0]["url_private"], headers={"Authorization": f"Bearer {ws.bot_token}"}
    )
    assert private.content == PNG


async def test_download_needs_files_read(client, world, ws, api):
    done = await upload(api, client, ws, channel_id=ws.public_channel_id)
    other = world.add_workspace("T0OTHER")
    foreign = await client.get(
        done["files"][0]["url_private_download"], headers={"Authorization": f"Bearer {other.bot_token}"}
    )
    assert foreign.headers["content-type"].startswith("text/html")
    world.workspace("T0SANDBOX").scopes = ("files:write", "chat:write")
    no_scope = await client.get(
        done["files"][0]["url_private_download"], headers={"Authorization": f"Bearer {ws.bot_token}"}
    )
    assert no_scope.headers["content-type"].startswith("text/html")


async def test_files_info(api, client, ws, world):
    done = await upload(api, client, ws, channel_id=ws.public_channel_id)
    await world.outbox.settle()
    info = await api("files.info", file=done["files"][0]["id"])
    assert info["file"]["name"] == "cv.png" and info["file"]["channels"] == [ws.public_channel_id]
    assert (await api("files.info", file="F0NOPE1234"))["error"] == "file_not_found"


async def test_upload_errors(api, client, ws):
    nobot = await upload(api, client, ws, channel_id=ws.nobot_channel_id)
    assert nobot["error"] == "not_in_channel"
    bad_length = await api("files.getUploadURLExternal", filename="x.txt", length=0)
    assert bad_length["error"] == "invalid_arguments"
    missing = await api("files.getUploadURLExternal", filename="x.txt")
    assert missing["response_metadata"]["messages"] == ["[ERROR] missing required field: length"]
    never_uploaded = await api("files.getUploadURLExternal", filename="x.txt", length=3)
    body = await api("files.completeUploadExternal", files=json.dumps([{"id": never_uploaded["file_id"]}]))
    assert body["error"] == "file_not_found"


async def test_declared_length_must_match_the_bytes(api, client, ws):
    step1 = await api("files.getUploadURLExternal", filename="a.txt", length=10)
    await client.post(step1["upload_url"], content=b"12345")
    body = await api("files.completeUploadExternal", files=json.dumps([{"id": step1["file_id"]}]))
    assert body["error"] == "invalid_arguments" and "declared" in body["response_metadata"]["messages"][0]


async def test_completed_upload_cannot_be_completed_twice_nor_uploaded_again(api, client, ws):
    step1 = await api("files.getUploadURLExternal", filename="a.txt", length=3)
    await client.post(step1["upload_url"], content=b"abc")
    assert (await client.post(step1["upload_url"], content=b"abc")).status_code == 400
    files = json.dumps([{"id": step1["file_id"]}])
    assert (await api("files.completeUploadExternal", files=files))["ok"] is True
    assert (await api("files.completeUploadExternal", files=files))["error"] == "file_not_found"


async def test_a_human_file_for_file_share_events(client, ws):
    created = await client.post(
        "/_sim/slack/human_files",
        json={
            "channel": ws.public_channel_id,
            "name": "photo.jpg",
            "content_base64": base64.b64encode(b"jpeg").decode(),
        },
    )
    file = created.json()["file"]
    assert file["user"] == ws.member_user_id and file["mimetype"] == "image/jpeg"
    download = await client.get(
        file["url_private_download"], headers={"Authorization": f"Bearer {ws.bot_token}"}
    )
    assert download.content == b"jpeg"
