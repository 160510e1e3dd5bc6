/* Block Kit, drawn as DOM the way Slack's client shows it, with mrkdwn.js for the text. Text only ever
   arrives as text nodes. Loads in the browser (window.BlockKit, after mrkdwn.js) and in node for the tests. */
(function (root) {
  "use strict";

  const M = typeof module !== "undefined" && module.exports ? require("./mrkdwn.js") : root.Mrkdwn;
  const { parseMrkdwn, renderMrkdwn, treeToDom, el, safeHref, formatDate, emoji, decode, EMOJI } = M;

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

  const TYPING_PAUSE_MS = 350; // how long typing pauses before an on_character_entered input dispatches

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

  /* external_select: what the person types goes to the app as block_suggestion (ctx.suggest answers with the
     app's options); the chosen option is kept on the select (data-selected) for the view's state. */
  function externalSelect(element, block, doc, ctx) {
    const box = el(doc, "div", "bk-external");
    const search = el(doc, "input", "bk-input bk-search");
    search.setAttribute("type", "search");
    search.setAttribute("placeholder", plain(element.placeholder) || "Type to search…");
    search.setAttribute("data-search-for", element.action_id || "");
    const s = el(doc, "select", "bk-select");
    if (element.action_id) s.setAttribute("data-action-id", element.action_id);
    let shown = {};
    let asked = 0;
    const fill = (options, chosen) => {
      s.textContent = "";
      const first = el(doc, "option", null, options.length ? "Choose…" : "No matches");
      first.setAttribute("value", "");
      s.appendChild(first);
      shown = {};
      for (const option of options) {
        shown[option.value] = option;
        const o = el(doc, "option", null, plain(option.text));
        o.setAttribute("value", option.value);
        if (chosen && chosen.value === option.value) o.selected = true;
        s.appendChild(o);
      }
    };
    s.choose = (option) => {
      fill(option ? [option] : [], option);
      if (option) s.setAttribute("data-selected", JSON.stringify(option));
      s.value = option ? option.value : "";
    };
    s.choose(element.initial_option || null);
    const ask = async (query) => {
      if (!ctx.suggest || query.length < (element.min_query_length ?? 3)) return;
      const mine = (asked += 1);
      const options = await ctx.suggest(element, block, query);
      if (mine === asked) fill(options || [], null); // a slower answer to an older query is dropped
    };
    search.addEventListener("input", () => ask(search.value));
    if ((element.min_query_length ?? 3) === 0) search.addEventListener("focus", () => ask(search.value));
    s.addEventListener("change", () => {
      const option = shown[s.value];
      if (!option) return;
      s.setAttribute("data-selected", JSON.stringify(option));
      act(ctx, block, element, { selected_option: option });
    });
    box.appendChild(search);
    box.appendChild(s);
    return box;
  }

  function fileInput(element, block, doc) {
    const box = el(doc, "div", "bk-file");
    const input = el(doc, "input", "bk-input");
    input.setAttribute("type", "file");
    input.disabled = true;
    box.appendChild(input);
    box.appendChild(el(doc, "div", "bk-hint", "Attaching files in a modal is not simulated in the console yet."));
    return box;
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

  function textInput(element, block, doc, ctx) {
    const input = el(doc, element.multiline ? "textarea" : "input", "bk-input");
    if (!element.multiline) input.setAttribute("type", element.type === "email_text_input" ? "email" : "text");
    if (element.placeholder) input.setAttribute("placeholder", plain(element.placeholder));
    if (element.initial_value) input.value = element.initial_value;
    if (element.action_id) input.setAttribute("data-action-id", element.action_id);
    if (block && block.type === "input" && block.dispatch_action) {
      // Slack sends block_actions for a dispatching input: on Enter by default, or as characters are typed;
      // Slack's client sends the latter once typing pauses (ctx.typingPauseMs), not for every key
      const triggers = (element.dispatch_action_config || {}).trigger_actions_on || ["on_enter_pressed"];
      let pending = null;
      const send = () => {
        if (pending !== null) clearTimeout(pending);
        pending = null;
        act(ctx, block, element, { value: input.value });
      };
      if (triggers.includes("on_enter_pressed")) {
        input.addEventListener("keydown", (event) => {
          if (event.key !== "Enter" || (element.multiline && !event.ctrlKey && !event.metaKey)) return;
          if (event.preventDefault) event.preventDefault();
          send();
        });
      }
      if (triggers.includes("on_character_entered")) {
        input.addEventListener("input", () => {
          if (pending !== null) clearTimeout(pending);
          pending = setTimeout(send, ctx.typingPauseMs ?? TYPING_PAUSE_MS);
        });
      }
    }
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
    external_select: externalSelect, file_input: fileInput, overflow: select, multi_static_select: select, multi_users_select: select,
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
      // radio buttons and checkboxes label each option: their block is a named group, not one label
      const group = ["radio_buttons", "checkboxes"].includes(block.element && block.element.type);
      const box = el(doc, group ? "div" : "label", "bk-input-block");
      if (group) {
        box.setAttribute("role", "group");
        box.setAttribute("aria-label", plain(block.label));
      }
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

  const api = { parseMrkdwn, renderMrkdwn, renderBlocks, textObject, safeHref, formatDate, emoji, decode };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.BlockKit = api;
})(typeof window !== "undefined" ? window : globalThis);
