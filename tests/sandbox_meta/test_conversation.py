"""The read-only views a candidate's phone is drawn from: a number's candidates and one conversation."""

from __future__ import annotations

from .tenants import V, bearer


async def _seeded(client) -> dict:
    body = {"numbers": 2, "registered": True, "subscribed": True}
    return (await client.post("/_sim/meta/seed", json=body)).json()


async def test_conversation_holds_both_directions_with_statuses_and_read_marks(client):
    seeded = await _seeded(client)
    pnid, other = seeded["phone_number_ids"]
    said = await client.post("/_sim/meta/inbound", json={"phone_number_id": pnid, "from": "212600000001",
                                                         "name": "Amina", "type": "text", "text": "Hello?"})
    wamid = said.json()["message_id"]
    await client.post("/_sim/meta/inbound", json={"phone_number_id": other, "from": "212600000001",
                                                  "type": "text", "text": "other number"})
    await client.post("/_sim/meta/inbound", json={"phone_number_id": pnid, "from": "212600000009",
                                                  "type": "text", "text": "someone else"})
    headers = bearer(seeded["token"])
    reply = {"messaging_product": "whatsapp", "to": "212600000001", "type": "text", "text": {"body": "Hi Amina"}}
    sent = await client.post(f"/{V}/{pnid}/messages", headers=headers, json=reply)
    out_wamid = sent.json()["messages"][0]["id"]
    await client.post(f"/{V}/{pnid}/messages", headers=headers,
                      json={"messaging_product": "whatsapp", "status": "read", "message_id": wamid})
    await client.post("/_sim/meta/inbound", json={"phone_number_id": pnid, "type": "status",
                                                  "message_id": out_wamid, "status": "delivered"})

    chat = (await client.get("/_sim/meta/conversation",
                             params={"phone_number_id": pnid, "candidate": "212600000001"})).json()["data"]
    assert [(i["direction"], i["wamid"]) for i in chat] == [("in", wamid), ("out", out_wamid)]
    assert chat[0]["message"]["text"] == {"body": "Hello?"} and chat[0]["read"] is True
    assert chat[1]["message"]["text"] == {"body": "Hi Amina"}
    assert chat[1]["status"] == "delivered" and chat[1]["statuses"] == ["delivered"]
    assert "to" in chat[1]["message"] and "wa_id" not in chat[1]["message"]


async def test_candidates_lists_who_wrote_newest_first_with_names_and_business_ids(client, clock):
    seeded = await _seeded(client)
    pnid = seeded["phone_number_ids"][0]
    await client.post("/_sim/meta/inbound", json={"phone_number_id": pnid, "from": "212600000001",
                                                  "name": "Amina", "type": "text", "text": "one"})
    clock.advance(5)
    await client.post("/_sim/meta/inbound", json={"phone_number_id": pnid, "user_id": "US.1349120865530274191",
                                                  "name": "Bo", "type": "text", "text": "two"})
    found = (await client.get("/_sim/meta/candidates", params={"phone_number_id": pnid})).json()["data"]
    assert [(c["key"], c["name"], c["wa_id"], c["user_id"]) for c in found] == [
        ("US.1349120865530274191", "Bo", None, "US.1349120865530274191"),
        ("212600000001", "Amina", "212600000001", None),
    ]


async def test_unknown_number_or_missing_candidate_is_refused(client):
    seeded = await _seeded(client)
    assert (await client.get("/_sim/meta/candidates", params={"phone_number_id": "1"})).status_code == 404
    assert (await client.get("/_sim/meta/conversation",
                             params={"phone_number_id": seeded["phone_number_ids"][0]})).status_code == 400
