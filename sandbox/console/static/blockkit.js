/* Block Kit and mrkdwn, drawn as DOM the way Slack's client shows them. Every piece of text becomes a text
   node (textContent / createTextNode): nothing a candidate or recruiter wrote is ever parsed as HTML.
   Loads in the browser (window.BlockKit) and in node (module.exports) for the unit tests. */
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

  /* A text object (plain_text or mrkdwn) as a DOM node. */
  function textObject(obj, doc, ctx, tag) {
    const node = el(doc, tag || "span", "bk-text");
    if (!obj) return node;
    if (typeof obj === "string") return treeToDom(parseMrkdwn(obj, ctx), doc, node);
    if (obj.type === "mrkdwn" && !obj.verbatim) return treeToDom(parseMrkdwn(obj.text, ctx), doc, node);
    if (obj.type === "mrkdwn") node.textContent = decode(obj.text || "");
    else node.textContent = obj.emoji === false ? obj.text || "" : String(obj.text || "").replace(/:([a-z0-9_+\-]+):/g, (m, n) => EMOJI[n] || m);
    return node;
  }

  function plain(obj) {
    return obj && typeof obj === "object" ? String(obj.text || "") : String(obj || "");
  }

  function rawJson(doc, value, why) {
    const box = el(doc, "details", "bk-unknown");
    box.appendChild(el(doc, "summary", null, why));
    box.appendChild(el(doc, "pre", null, JSON.stringify(value, null, 2)));
    box.open = true;
    return box;
  }

  // ---- elements ------------------------------------------------------------------------------------------

  function act(ctx, block, element, extra) {
    if (!ctx.onAction) return;
    ctx.onAction({ type: element.type, action_id: element.action_id, block_id: block.block_id, ...extra }, element, block);
  }

  function button(element, block, doc, ctx) {
    const b = el(doc, "button", "bk-button" + (element.style ? " bk-" + element.style : ""), plain(element.text));
    b.setAttribute("type", "button");
    if (element.action_id) b.setAttribute("data-action-id", element.action_id);
    b.addEventListener("click", () => {
      const confirm = element.confirm;
      if (confirm && ctx.confirm && !ctx.confirm(confirm)) return;
      const href = element.url ? safeHref(element.url) : null;
      if (href && ctx.openUrl) ctx.openUrl(href);
      act(ctx, block, element, {
        text: element.text, ...(element.value !== undefined ? { value: element.value } : {}),
        ...(element.style ? { style: element.style } : {}),
      });
    });
    return b;
  }

  function optionList(element) {
    const groups = element.option_groups || [{ options: element.options || [] }];
    return groups.flatMap((g) => g.options || []);
  }

  function select(element, block, doc, ctx) {
    const s = el(doc, "select", "bk-select");
    if (element.action_id) s.setAttribute("data-action-id", element.action_id);
    const first = el(doc, "option", null, plain(element.placeholder) || "Select…");
    first.setAttribute("value", "");
    s.appendChild(first);
    const multi = element.type.startsWith("multi_");
    const kind = element.type.replace(/^multi_/, "");
    let choices = [];
    let initial = [];
    if (kind === "static_select" || kind === "overflow") {
      choices = optionList(element).map((o) => ({ value: o.value, label: plain(o.text), option: o }));
      initial = [element.initial_option, ...(element.initial_options || [])].filter(Boolean).map((o) => o.value);
    } else if (kind === "conversations_select" || kind === "channels_select") {
      choices = Object.entries(ctx.channels || {}).map(([id, name]) => ({ value: id, label: "#" + name }));
      initial = [element.initial_conversation, element.initial_channel, ...(element.initial_conversations || []),
        ...(element.initial_channels || [])].filter(Boolean);
    } else if (kind === "users_select") {
      choices = Object.entries(ctx.users || {}).map(([id, name]) => ({ value: id, label: name }));
      initial = [element.initial_user, ...(element.initial_users || [])].filter(Boolean);
    } else {
      s.disabled = true; // external_select and the like need an options load URL
    }
    for (const c of choices) {
      const o = el(doc, "option", null, c.label);
      o.setAttribute("value", c.value);
      if (initial.includes(c.value)) o.selected = true;
      s.appendChild(o);
    }
    const KEYS = { conversations_select: "conversation", channels_select: "channel", users_select: "user" };
    s.addEventListener("change", () => {
      const chosen = choices.find((c) => c.value === s.value);
      if (!chosen) return;
      const key = KEYS[kind];
      if (key) act(ctx, block, element, multi ? { [`selected_${key}s`]: [chosen.value] } : { [`selected_${key}`]: chosen.value });
      else act(ctx, block, element, multi ? { selected_options: [chosen.option] } : { selected_option: chosen.option });
    });
    return s;
  }

  function choices(element, block, doc, ctx) {
    const box = el(doc, "div", "bk-choices");
    const radio = element.type === "radio_buttons";
    const name = (block.block_id || "b") + ":" + (element.action_id || "a");
    const initial = new Set((radio ? [element.initial_option] : element.initial_options || []).filter(Boolean).map((o) => o.value));
    for (const option of element.options || []) {
      const label = el(doc, "label", "bk-choice");
      const input = el(doc, "input");
      input.setAttribute("type", radio ? "radio" : "checkbox");
      input.setAttribute("name", name);
      input.setAttribute("value", option.value);
      if (initial.has(option.value)) input.checked = true;
      input.addEventListener("change", () => act(ctx, block, element, radio ? { selected_option: option } : { selected_options: [option] }));
      label.appendChild(input);
      label.appendChild(textObject(option.text, doc, ctx));
      box.appendChild(label);
    }
    return box;
  }

  function textInput(element, block, doc) {
    const input = el(doc, element.multiline ? "textarea" : "input", "bk-input");
    if (!element.multiline) input.setAttribute("type", element.type === "email_text_input" ? "email" : "text");
    if (element.placeholder) input.setAttribute("placeholder", plain(element.placeholder));
    if (element.initial_value) input.value = element.initial_value;
    if (element.action_id) input.setAttribute("data-action-id", element.action_id);
    return input;
  }

  function image(element, doc, className) {
    const img = el(doc, "img", className || "bk-image");
    const src = element.image_url && safeHref(element.image_url);
    if (src) img.setAttribute("src", src);
    img.setAttribute("alt", element.alt_text || "");
    return img;
  }

  const ELEMENTS = {
    button, static_select: select, conversations_select: select, channels_select: select, users_select: select,
    external_select: select, overflow: select, multi_static_select: select, multi_users_select: select,
    multi_conversations_select: select, multi_channels_select: select, multi_external_select: select,
    radio_buttons: choices, checkboxes: choices,
    plain_text_input: textInput, email_text_input: textInput, url_text_input: textInput, number_input: textInput,
    image: (element, block, doc) => image(element, doc, "bk-thumb"),
    datepicker: (element, block, doc) => {
      const input = el(doc, "input", "bk-input");
      input.setAttribute("type", "date");
      if (element.initial_date) input.value = element.initial_date;
      return input;
    },
  };

  function element(elementSpec, block, doc, ctx) {
    const draw = ELEMENTS[elementSpec && elementSpec.type];
    return draw ? draw(elementSpec, block, doc, ctx) : rawJson(doc, elementSpec, `element ${elementSpec && elementSpec.type}`);
  }

  // ---- blocks ------------------------------------------------------------------------------------------

  function richText(block, doc, ctx) {
    const box = el(doc, "div", "bk-rich");
    const styled = (item) => {
      let node;
      if (item.type === "text") node = doc.createTextNode(item.text || "");
      else if (item.type === "link") {
        const href = safeHref(item.url || "");
        node = el(doc, href ? "a" : "span", "mrkdwn-link", item.text || item.url);
        if (href) node.setAttribute("href", href);
      } else if (item.type === "user") node = el(doc, "span", "mention", "@" + ((ctx.users || {})[item.user_id] || item.user_id));
      else if (item.type === "channel") node = el(doc, "span", "mention", "#" + ((ctx.channels || {})[item.channel_id] || item.channel_id));
      else if (item.type === "emoji") node = doc.createTextNode(item.unicode ? String.fromCodePoint(...item.unicode.split("-").map((h) => parseInt(h, 16))) : emoji(item.name));
      else node = doc.createTextNode(item.text || "");
      const style = item.style || {};
      for (const [flag, tag] of [["code", "code"], ["strike", "del"], ["italic", "em"], ["bold", "strong"]]) {
        if (style[flag]) {
          const wrap = doc.createElement(tag);
          wrap.appendChild(node);
          node = wrap;
        }
      }
      return node;
    };
    const section = (part) => {
      const tag = { rich_text_preformatted: "pre", rich_text_quote: "blockquote", rich_text_list: part.style === "ordered" ? "ol" : "ul" }[part.type] || "div";
      const node = el(doc, tag);
      if (part.type === "rich_text_list") for (const item of part.elements || []) {
        const li = el(doc, "li");
        li.appendChild(section(item));
        node.appendChild(li);
      } else for (const item of part.elements || []) {
        String(item.text || "").split("\n").forEach((line, i, lines) => {
          node.appendChild(styled({ ...item, text: line }));
          if (i < lines.length - 1) node.appendChild(doc.createElement("br"));
        });
      }
      return node;
    };
    for (const part of block.elements || []) box.appendChild(section(part));
    return box;
  }

  const BLOCKS = {
    header: (block, doc, ctx) => textObject(block.text, doc, ctx, "h3"),
    divider: (block, doc) => el(doc, "hr", "bk-divider"),
    section: (block, doc, ctx) => {
      const box = el(doc, "div", "bk-section");
      const body = el(doc, "div", "bk-section-body");
      if (block.text) body.appendChild(textObject(block.text, doc, ctx, "div"));
      if (block.fields) {
        const grid = el(doc, "div", "bk-fields");
        for (const field of block.fields) grid.appendChild(textObject(field, doc, ctx, "div"));
        body.appendChild(grid);
      }
      box.appendChild(body);
      if (block.accessory) {
        const side = el(doc, "div", "bk-accessory");
        side.appendChild(element(block.accessory, block, doc, ctx));
        box.appendChild(side);
      }
      return box;
    },
    context: (block, doc, ctx) => {
      const box = el(doc, "div", "bk-context");
      for (const item of block.elements || []) {
        box.appendChild(item.type === "image" ? image(item, doc, "bk-context-image") : textObject(item, doc, ctx));
      }
      return box;
    },
    actions: (block, doc, ctx) => {
      const box = el(doc, "div", "bk-actions");
      for (const item of block.elements || []) box.appendChild(element(item, block, doc, ctx));
      return box;
    },
    image: (block, doc, ctx) => {
      const box = el(doc, "figure", "bk-image-block");
      if (block.title) box.appendChild(textObject(block.title, doc, ctx, "figcaption"));
      box.appendChild(image(block, doc));
      return box;
    },
    input: (block, doc, ctx) => {
      const box = el(doc, "label", "bk-input-block");
      const label = textObject(block.label, doc, ctx, "div");
      label.className = "bk-label";
      if (block.optional) label.appendChild(el(doc, "span", "bk-optional", " (optional)"));
      box.appendChild(label);
      box.appendChild(element(block.element, block, doc, ctx));
      if (block.hint) box.appendChild(textObject(block.hint, doc, ctx, "div")).className = "bk-hint";
      return box;
    },
    rich_text: richText,
  };

  /* A list of blocks as one DOM node; ``ctx``: users and channels (id -> name), onAction, confirm, openUrl. */
  function renderBlocks(blocks, doc, ctx) {
    ctx = ctx || {};
    const box = el(doc, "div", "bk-blocks");
    for (const block of blocks || []) {
      const draw = BLOCKS[block && block.type];
      const node = draw ? draw(block, doc, ctx) : rawJson(doc, block, `block ${block && block.type}`);
      node.setAttribute("data-block-type", (block && block.type) || "unknown");
      if (block && block.block_id) node.setAttribute("data-block-id", block.block_id);
      box.appendChild(node);
    }
    return box;
  }

  /* mrkdwn straight to a DOM node. */
  function renderMrkdwn(text, doc, ctx, tag) {
    return treeToDom(parseMrkdwn(text, ctx || {}), doc, el(doc, tag || "span", "mrkdwn"));
  }

  const api = { parseMrkdwn, renderMrkdwn, renderBlocks, textObject, safeHref, formatDate, emoji, decode };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.BlockKit = api;
})(typeof window !== "undefined" ? window : globalThis);
