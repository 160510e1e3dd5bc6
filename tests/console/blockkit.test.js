// Unit tests for the console's Block Kit and mrkdwn renderer: `node --test tests/console/` (run by
// tests/console/test_renderer_js.py). A tiny fake DOM records what the renderer builds: it has no innerHTML
// at all, so text can only arrive as text nodes.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const BK = require(path.join(__dirname, "../../sandbox/console/static/blockkit.js"));

class FakeNode {
  constructor(tag, text) {
    this.tagName = tag;
    this.children = [];
    this.attributes = {};
    this.listeners = {};
    this._text = text || "";
    this.className = "";
    const classes = new Set();
    this.classList = { add: (c) => classes.add(c), contains: (c) => classes.has(c) || this.className.split(" ").includes(c) };
  }
  set textContent(value) { this.children = []; this._text = String(value); }
  get textContent() { return this._text + this.children.map((c) => c.textContent).join(""); }
  appendChild(child) { this.children.push(child); return child; }
  setAttribute(name, value) { this.attributes[name] = String(value); }
  getAttribute(name) { return this.attributes[name]; }
  addEventListener(type, fn) { this.listeners[type] = fn; }
  set innerHTML(v) { throw new Error("the renderer must never set innerHTML"); }
  find(predicate) {
    if (predicate(this)) return this;
    for (const c of this.children) { const hit = c.find && c.find(predicate); if (hit) return hit; }
    return null;
  }
  all(predicate, out = []) {
    if (predicate(this)) out.push(this);
    for (const c of this.children) if (c.all) c.all(predicate, out);
    return out;
  }
}
const doc = { createElement: (tag) => new FakeNode(tag), createTextNode: (text) => new FakeNode("#text", text) };
const tags = (node) => node.all((n) => n.tagName !== "#text").map((n) => n.tagName);

test("bold, italic, strike, code and pre", () => {
  const tree = BK.parseMrkdwn("*bold* _it_ ~gone~ `x*y*` ```\nblock *raw*```");
  assert.deepEqual(tree.map((n) => n.t), ["b", "text", "i", "text", "s", "text", "code", "text", "pre"]);
  assert.equal(tree[6].v, "x*y*");
  assert.equal(tree[8].v, "block *raw*");
});

test("emphasis needs word boundaries, as in Slack", () => {
  assert.deepEqual(BK.parseMrkdwn("2*3*4 snake_case_name").map((n) => n.t), ["text"]);
  assert.deepEqual(BK.parseMrkdwn("* not bold *").map((n) => n.t), ["text"]);
});

test("links, mentions, channels, specials and dates", () => {
  const ctx = { users: { U0ADMIN: "Ada Admin" }, channels: { C1: "wa-jobs" } };
  const tree = BK.parseMrkdwn("<https://example.com/a?b=1&amp;c=2|the job> <@U0ADMIN> <#C1> <#C2|named> <!here> <https://x.test>", ctx);
  const [link, , user, , channel, , named, , here, , bare] = tree;
  assert.deepEqual([link.t, link.href, link.c[0].v], ["link", "https://example.com/a?b=1&c=2", "the job"]);
  assert.deepEqual([user.t, user.label, channel.label, named.label, here.label], ["user", "Ada Admin", "wa-jobs", "named", "@here"]);
  assert.equal(bare.href, "https://x.test");
  process.env.TZ = "UTC";
  const [date] = BK.parseMrkdwn("<!date^1700000000^{date_num} {time_secs}|Nov 14>");
  assert.deepEqual([date.t, date.label, date.fallback], ["date", "2023-11-14 22:13:20", "Nov 14"]);
  const [bad] = BK.parseMrkdwn("<!date^nope^{date}|the fallback>");
  assert.equal(bad.label, "the fallback");
});

test("a javascript: link is shown as text, never as a link", () => {
  const node = BK.renderMrkdwn("<javascript:alert(1)|click> <data:text/html,x|y>", doc, {});
  assert.equal(node.find((n) => n.tagName === "a"), null);
  assert.equal(BK.safeHref("JavaScript:alert(1)"), null);
  assert.equal(BK.safeHref("https://ok.test"), "https://ok.test");
});

test("markup typed by people stays text: entities decoded into text nodes only", () => {
  const node = BK.renderMrkdwn("&lt;script&gt;alert(1)&lt;/script&gt; &amp; <b>raw</b> <img src=x onerror=alert(1)>", doc, {});
  assert.deepEqual(tags(node), ["span"]);
  assert.equal(node.textContent, "<script>alert(1)</script> & braw/b img src=x onerror=alert(1)");
  const bold = BK.renderMrkdwn("*&lt;i&gt;x&lt;/i&gt;*", doc, {});
  assert.deepEqual(tags(bold), ["span", "strong"]);
  assert.equal(bold.textContent, "<i>x</i>");
});

test("quotes and line breaks", () => {
  const tree = BK.parseMrkdwn("&gt; quoted\nnext line\nlast");
  assert.deepEqual(tree.map((n) => n.t), ["quote", "text", "br", "text"]);
});

test("blocks: header, section with fields and accessory, context, divider, image, input", () => {
  const blocks = [
    { type: "header", text: { type: "plain_text", text: "WhatsApp <b>" } },
    { type: "section", block_id: "s1", text: { type: "mrkdwn", text: "*Number*" },
      fields: [{ type: "mrkdwn", text: "a" }, { type: "plain_text", text: "*b*" }],
      accessory: { type: "button", action_id: "go", text: { type: "plain_text", text: "Go" }, style: "primary", value: "v" } },
    { type: "context", elements: [{ type: "mrkdwn", text: "small" }, { type: "image", image_url: "https://i.test/a.png", alt_text: "pic" }] },
    { type: "divider" },
    { type: "image", image_url: "javascript:alert(1)", alt_text: "bad" },
    { type: "input", label: { type: "plain_text", text: "Name" }, optional: true,
      element: { type: "plain_text_input", action_id: "name", placeholder: { type: "plain_text", text: "type" } } },
  ];
  const node = BK.renderBlocks(blocks, doc, {});
  assert.deepEqual(node.children.map((c) => c.attributes["data-block-type"]), ["header", "section", "context", "divider", "image", "input"]);
  assert.equal(node.children[0].tagName, "h3");
  assert.equal(node.children[0].textContent, "WhatsApp <b>");
  const section = node.children[1];
  assert.ok(section.find((n) => n.tagName === "strong" && n.textContent === "Number"));
  assert.ok(section.find((n) => n.textContent === "*b*" && n.className === "bk-text"), "plain_text is not formatted");
  const button = section.find((n) => n.tagName === "button");
  assert.equal(button.className, "bk-button bk-primary");
  assert.ok(node.children[2].find((n) => n.tagName === "img" && n.attributes.src === "https://i.test/a.png"));
  assert.equal(node.children[4].find((n) => n.tagName === "img").attributes.src, undefined);
  assert.ok(node.children[5].find((n) => n.tagName === "input" && n.attributes.placeholder === "type"));
  assert.ok(node.children[5].textContent.includes("(optional)"));
});

test("buttons act with their value, confirm first, and open their url", () => {
  const acted = [];
  const opened = [];
  let answer = false;
  const ctx = { onAction: (a) => acted.push(a), confirm: () => answer, openUrl: (u) => opened.push(u) };
  const blocks = [{ type: "actions", block_id: "account", elements: [
    { type: "button", action_id: "disconnect", value: "acc1", style: "danger", text: { type: "plain_text", text: "Disconnect" },
      confirm: { title: { type: "plain_text", text: "Sure?" }, text: { type: "plain_text", text: "It stops" } } },
    { type: "button", action_id: "connect", url: "https://relay.test/connect?token=t", text: { type: "plain_text", text: "Connect" } },
  ] }];
  const node = BK.renderBlocks(blocks, doc, ctx);
  const [disconnect, connect] = node.all((n) => n.tagName === "button");
  disconnect.listeners.click();
  assert.equal(acted.length, 0, "a refused confirm sends nothing");
  answer = true;
  disconnect.listeners.click();
  assert.deepEqual([acted[0].action_id, acted[0].block_id, acted[0].value, acted[0].type], ["disconnect", "account", "acc1", "button"]);
  connect.listeners.click();
  assert.deepEqual(opened, ["https://relay.test/connect?token=t"]);
  assert.equal(acted[1].action_id, "connect");
});

test("selects are controls: static options, conversations from the workspace, users for multi selects", () => {
  const acted = [];
  const ctx = { channels: { C1: "jobs", C2: "sales" }, users: { U1: "Ada" }, onAction: (a) => acted.push(a) };
  const blocks = [{ type: "actions", block_id: "b", elements: [
    { type: "conversations_select", action_id: "move", initial_conversation: "C2" },
    { type: "static_select", action_id: "pick", options: [{ text: { type: "plain_text", text: "One" }, value: "1" }] },
    { type: "multi_users_select", action_id: "invite", placeholder: { type: "plain_text", text: "Invite" } },
    { type: "multi_external_select", action_id: "ext" }, // not simulated: shown disabled
  ] }];
  const node = BK.renderBlocks(blocks, doc, ctx);
  const [move, pick, invite, ext] = node.all((n) => n.tagName === "select");
  assert.deepEqual(move.children.slice(1).map((o) => [o.attributes.value, o.textContent, Boolean(o.selected)]),
    [["C1", "#jobs", false], ["C2", "#sales", true]]);
  move.value = "C1"; move.listeners.change();
  pick.value = "1"; pick.listeners.change();
  invite.value = "U1"; invite.listeners.change();
  assert.deepEqual(acted.map((a) => a.selected_conversation || (a.selected_option && a.selected_option.value) || a.selected_users),
    ["C1", "1", ["U1"]]);
  assert.equal(ext.disabled, true);
  assert.equal(invite.children[0].textContent, "Invite");
});

test("an unknown block or element shows its JSON, never a blank", () => {
  const node = BK.renderBlocks([{ type: "video", title: { type: "plain_text", text: "<x>" } },
    { type: "actions", elements: [{ type: "workflow_button" }] }], doc, {});
  assert.equal(node.children[0].tagName, "details");
  assert.ok(node.children[0].textContent.includes('"type": "video"'));
  assert.ok(node.children[1].find((n) => n.tagName === "details").textContent.includes("workflow_button"));
});

test("rich_text sections keep styles as elements and text as text", () => {
  const node = BK.renderBlocks([{ type: "rich_text", elements: [{ type: "rich_text_section", elements: [
    { type: "text", text: "<b>hi</b>", style: { bold: true } }, { type: "user", user_id: "U1" },
    { type: "link", url: "javascript:x", text: "bad" },
  ] }] }], doc, { users: { U1: "Ada" } });
  assert.ok(node.find((n) => n.tagName === "strong" && n.textContent === "<b>hi</b>"));
  assert.ok(node.textContent.includes("@Ada"));
  assert.equal(node.find((n) => n.tagName === "a"), null);
});

// ---- the phone's WhatsApp renderer (sandbox/console/static/whatsapp.js) ----------------------------------
const WA = require(path.join(__dirname, "../../sandbox/console/static/whatsapp.js"));

test("WhatsApp formatting: bold, italic, strike, mono, code, nested, and marks inside words stay text", () => {
  const tree = WA.parseWhatsApp("*bold* _it_ ~gone~ ```a *b*``` `x_y_` *_both_*");
  assert.deepEqual(tree.filter((n) => n.t !== "text").map((n) => n.t), ["b", "i", "s", "mono", "code", "b"]);
  assert.equal(tree.find((n) => n.t === "mono").v, "a *b*");
  assert.equal(tree.at(-1).c[0].t, "i");
  assert.deepEqual(WA.parseWhatsApp("2*3*4 snake_case_name * spaced * **").map((n) => n.t), ["text"]);
  assert.deepEqual(WA.parseWhatsApp("*not\nacross lines*").map((n) => n.t), ["text"]);
  assert.deepEqual(WA.parseWhatsApp("(*in brackets*).").map((n) => n.t), ["text", "b", "text"]);
});

test("WhatsApp text becomes text nodes only: markup stays visible as typed", () => {
  const node = WA.renderWhatsApp("*<img src=x onerror=alert(1)>* <b>raw</b>", doc);
  assert.deepEqual(tags(node), ["span", "strong"]);
  assert.equal(node.textContent, "<img src=x onerror=alert(1)> <b>raw</b>");
});

const SHIFT = {
  name: "shift_offer", header: { type: "text", text: "Shift for *Amina*" },
  body: "Hi Amina, the *night* shift pays _€120_.", footer: "Reply STOP to opt out",
  buttons: [
    { index: 0, type: "QUICK_REPLY", text: "I'll take it", payload: "TAKE" },
    { index: 1, type: "URL", text: "See the shift", url: "https://jobs.example.com/shifts/42" },
    { index: 2, type: "URL", text: "Bad link", url: "javascript:alert(1)" },
    { index: 3, type: "PHONE_NUMBER", text: "Call us", phone_number: "+1 555 0100" },
    { index: 4, type: "COPY_CODE", text: "Copy code", code: "N42" },
  ],
};

test("a template shows header, formatted body, footer and its buttons as WhatsApp does", () => {
  const node = WA.renderTemplate(SHIFT, doc, {});
  const part = (cls) => node.find((n) => n.className === cls);
  assert.equal(part("wa-tpl-header").textContent, "Shift for Amina");
  assert.equal(part("wa-tpl-body").find((n) => n.tagName === "strong").textContent, "night");
  assert.equal(part("wa-tpl-body").find((n) => n.tagName === "em").textContent, "€120");
  assert.equal(part("wa-tpl-footer").textContent, "Reply STOP to opt out");
  const buttons = node.all((n) => n.className === "wa-tpl-button");
  assert.deepEqual(buttons.map((b) => [b.tagName, b.getAttribute("data-button-type")]), [
    ["button", "QUICK_REPLY"], ["a", "URL"], ["button", "URL"], ["a", "PHONE_NUMBER"], ["button", "COPY_CODE"]]);
  assert.equal(buttons[1].getAttribute("href"), "https://jobs.example.com/shifts/42");
  assert.equal(buttons[1].getAttribute("rel"), "noopener noreferrer");
  assert.equal(buttons[2].getAttribute("href"), undefined); // never a javascript: link
  assert.equal(buttons[3].getAttribute("href"), "tel:+15550100");
  assert.equal(buttons[4].textContent.includes("Copy code"), true);
});

test("tapping a quick reply or copy-code button calls its handler, and not the bubble's", () => {
  const tapped = [];
  let stopped = 0;
  const node = WA.renderTemplate(SHIFT, doc, { onQuickReply: (b) => tapped.push(["reply", b.payload]),
    onCopyCode: (b) => tapped.push(["copy", b.code]) });
  const buttons = node.all((n) => n.className === "wa-tpl-button");
  for (const b of buttons) b.listeners.click({ stopPropagation: () => { stopped += 1; } });
  assert.deepEqual(tapped, [["reply", "TAKE"], ["copy", "N42"]]);
  assert.equal(stopped, buttons.length);
});

test("media headers show the kind and the file's name", () => {
  const node = WA.renderTemplate({ name: "contract", header: { type: "document", name: "Contract Amina.pdf" }, body: "Attached", buttons: [] }, doc, {});
  const media = node.find((n) => n.className === "wa-tpl-media");
  assert.equal(media.getAttribute("data-media"), "document");
  assert.equal(media.textContent, "📄Contract Amina.pdf");
  assert.equal(node.find((n) => n.className === "wa-tpl-buttons"), null);
});

test("describe: a candidate's quick-reply tap and other messages in one line", () => {
  assert.deepEqual(WA.describe({ button: { payload: "TAKE", text: "I'll take it" } }, "button"), { icon: "↩", text: "I'll take it" });
  assert.deepEqual(WA.describe({ interactive: { type: "button", body: { text: "Monday?" },
    action: { buttons: [{ type: "reply", reply: { id: "y", title: "Yes" } }] } } }, "interactive"), { text: "Monday?", buttons: ["Yes"] });
  assert.equal(WA.describe({}, "sticker").icon, "🏷️");
  const list = WA.describe({ interactive: { type: "list", body: { text: "Pick" }, action: { button: "Shifts",
    sections: [{ rows: [{ id: "a", title: "A" }] }, { rows: [{ id: "b", title: "B" }] }] } } }, "interactive");
  assert.deepEqual(list, { text: "Pick", list: { button: "Shifts", rows: [{ id: "a", title: "A" }, { id: "b", title: "B" }] } });
});

test("a dispatching plain-text input acts on Enter; radio buttons sit in a named group, not one label", () => {
  const acted = [];
  const blocks = [
    { type: "input", block_id: "to", dispatch_action: true, label: { type: "plain_text", text: "Number" },
      element: { type: "plain_text_input", action_id: "number" } },
    { type: "input", block_id: "quiet", label: { type: "plain_text", text: "Quiet" },
      element: { type: "plain_text_input", action_id: "q" } },
    { type: "input", block_id: "pick", label: { type: "plain_text", text: "Template" },
      element: { type: "radio_buttons", action_id: "p", options: [{ text: { type: "plain_text", text: "A" }, value: "a" }] } },
  ];
  const node = BK.renderBlocks(blocks, doc, { onAction: (action) => acted.push(action) });
  const [typed, quiet] = node.all((n) => n.tagName === "input" && n.attributes["data-action-id"]);
  typed.value = "0612";
  typed.listeners.keydown({ key: "a" });
  typed.listeners.keydown({ key: "Enter", preventDefault() {} });
  assert.deepEqual(acted.map((a) => [a.type, a.action_id, a.block_id, a.value]), [["plain_text_input", "number", "to", "0612"]]);
  assert.equal(quiet.listeners.keydown, undefined); // without dispatch_action an input waits for Submit
  const group = node.find((n) => n.attributes["data-block-id"] === "pick");
  assert.deepEqual([group.tagName, group.getAttribute("role"), group.getAttribute("aria-label")], ["div", "group", "Template"]);
});

test("an external select asks ctx.suggest as the person types and dispatches the option picked", async () => {
  const asked = [];
  const acted = [];
  const option = (v) => ({ text: { type: "plain_text", text: v }, value: v });
  const ctx = {
    suggest: async (element, block, query) => { asked.push([block.block_id, element.action_id, query]); return [option("interview_invite")]; },
    onAction: (action) => acted.push(action),
  };
  const blocks = [{ type: "input", block_id: "tpl", dispatch_action: true, label: { type: "plain_text", text: "Template" },
    element: { type: "external_select", action_id: "find", min_query_length: 2 } }];
  const node = BK.renderBlocks(blocks, doc, ctx);
  const search = node.find((n) => n.attributes["data-search-for"] === "find");
  const select = node.find((n) => n.tagName === "select");
  search.value = "i";
  await search.listeners.input();
  assert.deepEqual(asked, []); // shorter than min_query_length
  search.value = "int";
  await search.listeners.input();
  assert.deepEqual(asked, [["tpl", "find", "int"]]);
  assert.deepEqual(select.children.map((o) => o.getAttribute("value")), ["", "interview_invite"]);
  select.value = "interview_invite";
  select.listeners.change();
  assert.equal(acted[0].selected_option.value, "interview_invite");
  assert.equal(JSON.parse(select.getAttribute("data-selected")).value, "interview_invite");
});

test("an input dispatching on_character_entered sends once typing pauses, and Enter sends at once", async () => {
  const acted = [];
  const blocks = [{ type: "input", block_id: "param.body.1", dispatch_action: true, label: { type: "plain_text", text: "{{1}}" },
    element: { type: "plain_text_input", action_id: "param.body.1",
      dispatch_action_config: { trigger_actions_on: ["on_character_entered", "on_enter_pressed"] } } }];
  const node = BK.renderBlocks(blocks, doc, { onAction: (action) => acted.push(action.value), typingPauseMs: 20 });
  const input = node.find((n) => n.tagName === "input");
  for (const typed of ["L", "Lu", "Luc"]) {
    input.value = typed;
    input.listeners.input();
  }
  assert.deepEqual(acted, []); // not one block_actions per key
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(acted, ["Luc"]);
  input.value = "Lucía";
  input.listeners.input();
  input.listeners.keydown({ key: "Enter", preventDefault() {} });
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(acted, ["Luc", "Lucía"]); // Enter sent it; the pause that followed did not send it again
});

test("the reactions the relay puts on its own messages show as emoji: delivery ticks, a sent template", () => {
  assert.deepEqual(["white_check_mark", "ballot_box_with_check", "eyes", "arrow_forward", "x", "outbox_tray"].map(BK.emoji),
    ["✅", "☑️", "👀", "▶️", "❌", "📤"]);
  assert.equal(BK.emoji("no_such_emoji"), ":no_such_emoji:"); // unknown names stay as typed
});
