/* mrkdwn, drawn as DOM the way Slack's client shows it. Every piece of text becomes a text node
   (textContent / createTextNode): nothing a candidate or recruiter wrote is ever parsed as HTML.
   Loads in the browser (window.Mrkdwn) and in node (module.exports) for the unit tests. */
(function (root) {
  "use strict";

  const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };
  const EMOJI = {
    thumbsup: "👍", "+1": "👍", heart: "❤️", joy: "😂", white_check_mark: "✅", eyes: "👀", x: "❌",
    warning: "⚠️", wave: "👋", tada: "🎉", pray: "🙏", raised_hands: "🙌", open_mouth: "😮", cry: "😢",
    hourglass_flowing_sand: "⏳", envelope: "✉️", iphone: "📱", link: "🔗", lock: "🔒", speech_balloon: "💬",
    arrows_counterclockwise: "🔄", heavy_check_mark: "✔️", no_entry: "⛔", bell: "🔔", page_facing_up: "📄",
    frame_with_picture: "🖼️", round_pushpin: "📍", paperclip: "📎", smile: "😄", slightly_smiling_face: "🙂",
    red_circle: "🔴", large_yellow_circle: "🟡", large_green_circle: "🟢", white_circle: "⚪", grey_question: "❔",
    credit_card: "💳", information_source: "ℹ️", bust_in_silhouette: "👤", heart_eyes: "😍", fire: "🔥",
    ballot_box_with_check: "☑️", arrow_forward: "▶️", outbox_tray: "📤", incoming_envelope: "📨", "-1": "👎", clap: "👏",
  };
  const SAFE_SCHEMES = /^(https?:|mailto:|tel:|slack:)/i;

  function decode(text) {
    return String(text).replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m]);
  }

  function emoji(name) {
    return EMOJI[name] || `:${name}:`;
  }

  function safeHref(url) {
    const plain = decode(url).trim();
    return SAFE_SCHEMES.test(plain) ? plain : null;
  }

  const pad = (n) => String(n).padStart(2, "0");
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  /* <!date^epoch^format|fallback>: Slack shows the epoch in the viewer's time zone. */
  function formatDate(epoch, format) {
    const d = new Date(Number(epoch) * 1000);
    if (Number.isNaN(d.getTime())) return null;
    const date = `${MONTHS[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()}`;
    const parts = {
      date_num: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
      date: date, date_short: `${MONTHS[d.getMonth()]} ${d.getDate()}`, date_long: date, date_pretty: date,
      date_short_pretty: `${MONTHS[d.getMonth()]} ${d.getDate()}`, date_long_pretty: date,
      time: `${pad(d.getHours())}:${pad(d.getMinutes())}`,
      time_secs: `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
    };
    return format.replace(/\{(\w+)\}/g, (m, key) => (key in parts ? parts[key] : m));
  }

  /* <...>: links, mentions, special mentions and dates. */
  function angle(inner, ctx) {
    const [target, label] = splitOnce(inner, "|");
    if (target.startsWith("@")) {
      const id = target.slice(1);
      return { t: "user", id, label: label || (ctx.users && ctx.users[id]) || id };
    }
    if (target.startsWith("#")) {
      const id = target.slice(1);
      return { t: "channel", id, label: label || (ctx.channels && ctx.channels[id]) || id };
    }
    if (target.startsWith("!date^")) {
      const [, epoch, format, link] = target.split("^");
      const shown = formatDate(epoch, format || "{date_num}");
      return { t: "date", label: shown || decode(label || target), fallback: decode(label || ""), href: link ? safeHref(link) : null };
    }
    if (target.startsWith("!subteam^")) return { t: "user", id: target.slice(9), label: label || "@group" };
    if (target.startsWith("!")) return { t: "special", label: "@" + (label || target.slice(1)) };
    const href = safeHref(target);
    return href ? { t: "link", href, c: [{ t: "text", v: decode(label || target) }] } : { t: "text", v: decode(inner) };
  }

  function splitOnce(text, sep) {
    const at = text.indexOf(sep);
    return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
  }

  const INLINE = new RegExp(
    [
      "`([^`\\n]+)`", // 1 code
      "<([^<>\\n]+)>", // 2 angle
      "(?<![\\w*])\\*(?!\\s)([^*\\n]+?)(?<!\\s)\\*(?![\\w*])", // 3 bold
      "(?<![\\w_])_(?!\\s)([^_\\n]+?)(?<!\\s)_(?![\\w_])", // 4 italic
      "(?<![\\w~])~(?!\\s)([^~\\n]+?)(?<!\\s)~(?![\\w~])", // 5 strike
      ":([a-z0-9_+\\-]+):", // 6 emoji
    ].join("|"),
    "g",
  );

  function inline(text, ctx) {
    const out = [];
    let last = 0;
    for (const m of text.matchAll(INLINE)) {
      if (m.index > last) out.push({ t: "text", v: decode(text.slice(last, m.index)) });
      if (m[1] !== undefined) out.push({ t: "code", v: decode(m[1]) });
      else if (m[2] !== undefined) out.push(angle(m[2], ctx));
      else if (m[3] !== undefined) out.push({ t: "b", c: inline(m[3], ctx) });
      else if (m[4] !== undefined) out.push({ t: "i", c: inline(m[4], ctx) });
      else if (m[5] !== undefined) out.push({ t: "s", c: inline(m[5], ctx) });
      else if (m[6] !== undefined) out.push(EMOJI[m[6]] ? { t: "text", v: EMOJI[m[6]] } : { t: "text", v: m[0] });
      last = m.index + m[0].length;
    }
    if (last < text.length) out.push({ t: "text", v: decode(text.slice(last)) });
    return out;
  }

  /* mrkdwn text -> a tree of plain objects (t: text, b, i, s, code, pre, quote, link, user, channel, date, br). */
  function parseMrkdwn(text, ctx) {
    ctx = ctx || {};
    const out = [];
    const chunks = String(text || "").split(/```/);
    chunks.forEach((chunk, index) => {
      if (index % 2 === 1 && index < chunks.length - 1) {
        out.push({ t: "pre", v: decode(chunk.replace(/^\n/, "")) });
        return;
      }
      if (index % 2 === 1) chunk = "```" + chunk; // an unclosed fence is text
      const lines = chunk.split("\n");
      lines.forEach((line, i) => {
        const quoted = /^(&gt;|>)\s?/.exec(line);
        if (quoted) out.push({ t: "quote", c: inline(line.slice(quoted[0].length), ctx) });
        else {
          out.push(...inline(line, ctx));
          if (i < lines.length - 1) out.push({ t: "br" });
        }
      });
    });
    return out;
  }

  const TAGS = { b: "strong", i: "em", s: "del", code: "code", pre: "pre", quote: "blockquote" };

  function el(doc, tag, className, text) {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function treeToDom(nodes, doc, parent) {
    for (const n of nodes) {
      if (n.t === "text") parent.appendChild(doc.createTextNode(n.v));
      else if (n.t === "br") parent.appendChild(doc.createElement("br"));
      else if (n.t === "code" || n.t === "pre") parent.appendChild(el(doc, TAGS[n.t], "mrkdwn-" + n.t, n.v));
      else if (n.t === "link") {
        const a = el(doc, "a", "mrkdwn-link");
        a.setAttribute("href", n.href);
        a.setAttribute("target", "_blank");
        a.setAttribute("rel", "noopener noreferrer");
        treeToDom(n.c, doc, a);
        parent.appendChild(a);
      } else if (n.t === "user") parent.appendChild(el(doc, "span", "mention", "@" + String(n.label).replace(/^@/, "")));
      else if (n.t === "channel") parent.appendChild(el(doc, "span", "mention", "#" + String(n.label).replace(/^#/, "")));
      else if (n.t === "special") parent.appendChild(el(doc, "span", "mention", n.label));
      else if (n.t === "date") {
        const span = el(doc, "time", "mrkdwn-date", n.label);
        if (n.fallback) span.setAttribute("title", n.fallback);
        parent.appendChild(span);
      } else {
        const node = el(doc, TAGS[n.t] || "span");
        treeToDom(n.c || [], doc, node);
        parent.appendChild(node);
      }
    }
    return parent;
  }

  /* mrkdwn straight to a DOM node. */
  function renderMrkdwn(text, doc, ctx, tag) {
    return treeToDom(parseMrkdwn(text, ctx || {}), doc, el(doc, tag || "span", "mrkdwn"));
  }

  const api = { parseMrkdwn, renderMrkdwn, treeToDom, el, safeHref, formatDate, emoji, decode, EMOJI };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.Mrkdwn = api;
})(typeof window !== "undefined" ? window : globalThis);
