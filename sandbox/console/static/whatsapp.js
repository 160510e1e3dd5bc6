/* What the candidate's phone shows, drawn the way WhatsApp shows it: WhatsApp's own formatting (*bold*
   _italic_ ~strike~ ```mono``` `code`), template messages with their header, body, footer and buttons, and a
   one-line description of every other message type. Text only ever becomes text nodes (never innerHTML).
   Loads in the browser (window.WhatsApp, after mrkdwn.js) and in node (module.exports) for the unit tests. */
(function (root) {
  "use strict";

  const M = typeof module !== "undefined" && module.exports ? require("./mrkdwn.js") : root.Mrkdwn;
  const { el } = M;

  const MARKS = { "*": "b", _: "i", "~": "s", "`": "code" };
  const BOUNDARY = /[\s\p{P}\p{S}]/u; // a mark opens after (and closes before) a space, punctuation or the edge

  function opens(text, i) {
    const before = i === 0 ? " " : text[i - 1];
    const after = text[i + 1];
    return BOUNDARY.test(before) && after !== undefined && !/\s/.test(after) && after !== text[i];
  }

  function closes(text, j) {
    const after = j + 1 >= text.length ? " " : text[j + 1];
    return !/\s/.test(text[j - 1]) && BOUNDARY.test(after);
  }

  /* WhatsApp-formatted text -> a tree of plain objects (t: text, b, i, s, code, mono; b/i/s nest). */
  function parseWhatsApp(text) {
    text = String(text === undefined || text === null ? "" : text);
    const out = [];
    let plain = "";
    const flush = () => {
      if (plain) out.push({ t: "text", v: plain });
      plain = "";
    };
    let i = 0;
    while (i < text.length) {
      if (text.startsWith("```", i)) {
        const end = text.indexOf("```", i + 3);
        if (end > i + 3) {
          flush();
          out.push({ t: "mono", v: text.slice(i + 3, end) });
          i = end + 3;
          continue;
        }
      }
      const mark = MARKS[text[i]];
      if (mark && opens(text, i)) {
        let j = i + 1;
        let found = -1;
        while (j < text.length && text[j] !== "\n") {
          if (text[j] === text[i] && closes(text, j)) {
            found = j;
            break;
          }
          j += 1;
        }
        if (found > i + 1) {
          flush();
          const inner = text.slice(i + 1, found);
          out.push(mark === "code" ? { t: "code", v: inner } : { t: mark, c: parseWhatsApp(inner) });
          i = found + 1;
          continue;
        }
      }
      plain += text[i];
      i += 1;
    }
    flush();
    return out;
  }

  const TAGS = { b: "strong", i: "em", s: "del" };

  function treeToDom(nodes, doc, parent) {
    for (const n of nodes) {
      if (n.t === "text") parent.appendChild(doc.createTextNode(n.v));
      else if (n.t === "code") parent.appendChild(el(doc, "code", "wa-code", n.v));
      else if (n.t === "mono") parent.appendChild(el(doc, "code", "wa-mono", n.v));
      else {
        const node = el(doc, TAGS[n.t] || "span");
        treeToDom(n.c || [], doc, node);
        parent.appendChild(node);
      }
    }
    return parent;
  }

  function renderWhatsApp(text, doc, className) {
    return treeToDom(parseWhatsApp(text), doc, el(doc, "span", className || "wa-text"));
  }

  const MEDIA_ICONS = { image: "🖼️", video: "🎬", document: "📄", location: "📍" };
  const BUTTON_ICONS = { QUICK_REPLY: "↩", URL: "↗", PHONE_NUMBER: "📞", COPY_CODE: "⧉", FLOW: "☰" };
  const WEB = /^https?:\/\//i;

  function templateButton(button, doc, handlers) {
    const type = button.type || "";
    let node;
    if (type === "URL" && WEB.test(button.url || "")) {
      node = el(doc, "a", "wa-tpl-button");
      node.setAttribute("href", button.url);
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    } else if (type === "PHONE_NUMBER" && /^\+?[0-9 ()-]{3,20}$/.test(button.phone_number || "")) {
      node = el(doc, "a", "wa-tpl-button");
      node.setAttribute("href", "tel:" + button.phone_number.replace(/[^0-9+]/g, ""));
    } else {
      node = el(doc, "button", "wa-tpl-button");
      node.setAttribute("type", "button");
    }
    node.setAttribute("data-button-type", type);
    node.setAttribute("data-index", String(button.index));
    if (button.url) node.setAttribute("title", button.url);
    if (button.phone_number) node.setAttribute("title", button.phone_number);
    node.appendChild(el(doc, "span", "wa-tpl-icon", BUTTON_ICONS[type] || "•"));
    node.appendChild(el(doc, "span", "wa-tpl-label", button.text || type.toLowerCase()));
    node.addEventListener("click", (event) => {
      if (event && event.stopPropagation) event.stopPropagation(); // a tap on a button is not a tap on the bubble
      if (type === "QUICK_REPLY" && handlers.onQuickReply) handlers.onQuickReply(button);
      else if (type === "COPY_CODE" && handlers.onCopyCode) handlers.onCopyCode(button);
    });
    return node;
  }

  /* A template message as the simulator rendered it ({header, body, footer, buttons}) -> one DOM node.
     ``handlers``: onQuickReply(button), onCopyCode(button). URL and phone buttons are plain links. */
  function renderTemplate(rendered, doc, handlers) {
    handlers = handlers || {};
    const box = el(doc, "div", "wa-template");
    box.setAttribute("data-template", rendered.name || "");
    const header = rendered.header;
    if (header && header.type === "text") box.appendChild(renderWhatsApp(header.text, doc, "wa-tpl-header"));
    else if (header) {
      const media = el(doc, "div", "wa-tpl-media");
      media.setAttribute("data-media", header.type);
      media.appendChild(el(doc, "span", "wa-tpl-media-icon", MEDIA_ICONS[header.type] || "📎"));
      media.appendChild(el(doc, "span", "wa-tpl-media-name", header.name || header.type));
      box.appendChild(media);
    }
    box.appendChild(renderWhatsApp(rendered.body || "", doc, "wa-tpl-body"));
    if (rendered.footer) box.appendChild(el(doc, "div", "wa-tpl-footer", rendered.footer));
    const buttons = rendered.buttons || [];
    if (buttons.length) {
      const list = el(doc, "div", "wa-tpl-buttons");
      for (const button of buttons) list.appendChild(templateButton(button, doc, handlers));
      box.appendChild(list);
    }
    return box;
  }

  /* Any message (sent or received) in one line: {icon, text, sub, buttons}. */
  function describe(message, type) {
    const m = message || {};
    const t = type || m.type;
    if (t === "text") return { text: (m.text && m.text.body) || "" };
    if (["image", "video", "audio", "document", "sticker"].includes(t)) {
      const media = m[t] || {};
      const icons = { image: "🖼️", video: "🎬", audio: "🎤", document: "📄", sticker: "🏷️" };
      return { icon: icons[t], text: media.caption || media.filename || (media.link ? media.link : t), sub: media.mime_type || "" };
    }
    if (t === "location") {
      const l = m.location || {};
      return { icon: "📍", text: [l.name, l.address].filter(Boolean).join(", ") || "Location", sub: `${l.latitude}, ${l.longitude}` };
    }
    if (t === "template") {
      const tpl = m.template || {};
      const params = (tpl.components || []).flatMap((c) => (c.parameters || []).map((p) => p.text || p.type));
      return { icon: "📋", text: `Template “${tpl.name}”`, sub: [tpl.language && tpl.language.code, ...params].filter(Boolean).join(" · ") };
    }
    if (t === "interactive") {
      const i = m.interactive || {};
      if (i.button_reply || i.list_reply) return { text: (i.button_reply || i.list_reply).title };
      const action = i.action || {};
      const buttons = (action.buttons || []).map((b) => (b.reply || {}).title).filter(Boolean);
      if (i.type === "list") {
        const rows = (action.sections || []).flatMap((section) => section.rows || []);
        return { text: (i.body && i.body.text) || "", list: { button: action.button, rows } };
      }
      return { text: (i.body && i.body.text) || "", buttons };
    }
    if (t === "button") return { icon: "↩", text: (m.button || {}).text || "" };
    if (t === "edit") return { icon: "✏️", text: (((m.edit || {}).message || {}).text || {}).body || "edited" };
    if (t === "revoke") return { icon: "🚫", text: "This message was deleted" };
    if (t === "contacts") return { icon: "👤", text: ((m.contacts || [])[0] || {}).name ? m.contacts[0].name.formatted_name : "Contact" };
    return { icon: "•", text: t || "message" };
  }

  const api = { parseWhatsApp, renderWhatsApp, renderTemplate, describe };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.WhatsApp = api;
})(typeof window !== "undefined" ? window : globalThis);
