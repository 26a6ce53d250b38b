/* The NSSA chat widget: no build step, no third-party code.
 *
 * Talks to channels/webchat.py over socket.io (a minimal client below:
 * Engine.IO v4 over a WebSocket, default namespace), with the events the
 * rasa-webchat widget uses (session_request / session_confirm, user_uttered,
 * bot_uttered) plus history_request / history to show the earlier transcript
 * after a reload. The session id is kept in localStorage, so a reload
 * continues the same conversation.
 *
 * Every text is put in the page with textContent; only http(s) URLs become
 * links, built as <a> elements. Nothing is ever parsed as HTML.
 *
 * Languages: the page's own labels come from texts.json (every offered
 * language, texts.yml `webchat_*`), in the conversation's language, else the
 * browser's, else English; every message element gets `lang` and `dir` (a bot
 * message the language its text is in, as the server says), and the page's
 * <html lang dir> follows the conversation, so Arabic is laid out right to
 * left. The browser's language goes with each message as customData.language.
 */
(function () {
  "use strict";

  var SESSION_KEY = "nssa-webchat-session";
  var OPEN_KEY = "nssa-webchat-open";
  var LANG_KEY = "nssa-webchat-language";
  var SOCKET_PATH = "/socket.io";
  var URL_PATTERN = /https?:\/\/[^\s<>"']+/g;
  var TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;

  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function save(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); }
      else { window.localStorage.setItem(key, value); }
    } catch (e) { /* storage blocked: the chat still works, without persistence */ }
  }

  /* --- a minimal socket.io client ------------------------------------------ */

  function SocketClient(path) {
    this.path = path;
    this.listeners = {};
    this.ws = null;
    this.ready = false;
    this.retries = 0;
  }

  SocketClient.prototype.on = function (event, fn) {
    (this.listeners[event] = this.listeners[event] || []).push(fn);
  };

  SocketClient.prototype.fire = function (event, arg) {
    (this.listeners[event] || []).forEach(function (fn) { fn(arg); });
  };

  SocketClient.prototype.connect = function () {
    var self = this;
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var ws = new WebSocket(scheme + "//" + window.location.host + this.path +
                           "/?EIO=4&transport=websocket");
    this.ws = ws;
    ws.onmessage = function (event) { self.enginePacket(String(event.data)); };
    ws.onclose = function () { self.dropped(); };
  };

  SocketClient.prototype.enginePacket = function (data) {
    var type = data.charAt(0);
    if (type === "0") { this.ws.send("40"); }            // open: join the default namespace
    else if (type === "2") { this.ws.send("3"); }        // ping: pong
    else if (type === "1") { this.ws.close(); }          // close
    else if (type === "4") { this.socketPacket(data.slice(1)); }
  };

  SocketClient.prototype.socketPacket = function (data) {
    var type = data.charAt(0);
    if (type === "0") {                                   // connected
      this.ready = true;
      this.retries = 0;
      this.fire("connect");
    } else if (type === "2") {                            // event, maybe with an ack id
      var event;
      try { event = JSON.parse(data.replace(/^2\d*/, "")); } catch (e) { return; }
      if (Array.isArray(event) && typeof event[0] === "string") { this.fire(event[0], event[1]); }
    } else if (type === "1" || type === "4") {            // disconnected or refused
      this.ws.close();
    }
  };

  SocketClient.prototype.emit = function (event, payload) {
    if (!this.ready || !this.ws || this.ws.readyState !== WebSocket.OPEN) { return false; }
    this.ws.send("42" + JSON.stringify([event, payload]));
    return true;
  };

  SocketClient.prototype.dropped = function () {
    var self = this;
    var wasReady = this.ready;
    this.ready = false;
    if (wasReady || this.retries === 0) { this.fire("disconnect"); }
    var delay = Math.min(15000, 1000 * Math.pow(2, this.retries));
    this.retries += 1;
    window.setTimeout(function () { self.connect(); }, delay);
  };

  /* --- the page's language ----------------------------------------------------- */

  // Labels of every offered language ({code: {name, dir, texts}}), English built in.
  var PAGE = { languages: null, code: "en" };

  function browserLanguage() {
    var list = [].concat(navigator.languages || [], navigator.language || []);
    return list.length ? String(list[0]) : "en";
  }

  function label(key, fallback) {
    var lang = PAGE.languages && PAGE.languages[PAGE.code];
    var text = lang && lang.texts ? lang.texts[key] : null;
    return typeof text === "string" && text ? text : fallback;
  }

  function direction(code) {
    var lang = PAGE.languages && PAGE.languages[code];
    return lang && lang.dir === "rtl" ? "rtl" : "ltr";
  }

  function pickLanguage(code) {
    var known = PAGE.languages || {};
    var wanted = [code, load(LANG_KEY), browserLanguage()];
    for (var i = 0; i < wanted.length; i += 1) {
      var short = String(wanted[i] || "").toLowerCase().split(/[-_]/)[0];
      if (short && known[short]) { return short; }
    }
    return "en";
  }

  // Put the page's labels in `code` and lay the page out in its direction.
  function applyLanguage(code) {
    PAGE.code = pickLanguage(code);
    var root = document.documentElement;
    root.lang = PAGE.code;
    root.dir = direction(PAGE.code);
    document.title = label("page_title", document.title);
    Array.prototype.forEach.call(document.querySelectorAll("[data-text]"), function (node) {
      node.textContent = label(node.getAttribute("data-text"), node.textContent);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-label]"), function (node) {
      node.setAttribute("aria-label", label(node.getAttribute("data-label"),
                                            node.getAttribute("aria-label")));
    });
    if (window.nssaChat) { window.nssaChat.relabel(); }
  }

  function loadLanguages(then) {
    var request = new XMLHttpRequest();
    request.open("GET", "texts.json");
    request.onload = function () {
      try { PAGE.languages = JSON.parse(request.responseText); } catch (e) { PAGE.languages = null; }
      applyLanguage(null);
      then();
    };
    request.onerror = function () { then(); };
    request.send();
  }

  /* --- the widget ------------------------------------------------------------ */

  function Widget(root) {
    this.launcher = document.getElementById("nssa-chat-open");
    this.chat = document.getElementById("nssa-chat");
    this.closer = document.getElementById("nssa-chat-close");
    this.status = document.getElementById("nssa-chat-status");
    this.log = document.getElementById("nssa-chat-log");
    this.form = document.getElementById("nssa-chat-form");
    this.input = document.getElementById("nssa-chat-input");
    this.sessionId = load(SESSION_KEY);
    this.socket = null;
    this.confirmed = false;
    this.awaitingHistory = false;
    this.queue = [];
    this.statusLabel = ["connecting", "Connecting…"];
    this.bind(root);
  }

  Widget.prototype.bind = function () {
    var self = this;
    this.launcher.addEventListener("click", function () { self.open(true); });
    this.closer.addEventListener("click", function () { self.close(); });
    this.chat.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); self.close(); }
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.sendTyped();
    });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.sendTyped();
      }
    });
    if (load(OPEN_KEY) === "1") { this.open(false); }
  };

  Widget.prototype.open = function (moveFocus) {
    this.chat.hidden = false;
    this.launcher.hidden = true;
    this.launcher.setAttribute("aria-expanded", "true");
    save(OPEN_KEY, "1");
    if (!this.socket) { this.connect(); }
    if (moveFocus) { this.input.focus(); }
  };

  Widget.prototype.close = function () {
    this.chat.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    save(OPEN_KEY, "0");
    this.launcher.focus();
  };

  // The status line: a label's key and its English, said in the page's language.
  Widget.prototype.setStatus = function (key, english, offline) {
    this.statusLabel = [key, english];
    var text = label(key, english);
    if (this.status.textContent !== text) { this.status.textContent = text; }
    this.status.classList.toggle("offline", Boolean(offline));
  };

  Widget.prototype.relabel = function () {
    if (this.statusLabel) {
      this.setStatus(this.statusLabel[0], this.statusLabel[1],
                     this.status.classList.contains("offline"));
    }
  };

  Widget.prototype.connect = function () {
    var self = this;
    var socket = new SocketClient(SOCKET_PATH);
    this.socket = socket;
    socket.on("connect", function () {
      socket.emit("session_request", { session_id: self.sessionId });
    });
    socket.on("disconnect", function () {
      self.confirmed = false;
      self.setStatus("connection_lost", "Connection lost. Reconnecting…", true);
    });
    socket.on("session_confirm", function (data) {
      var id = data && typeof data === "object" ? data.session_id : data;
      if (typeof id !== "string" || !id) { return; }
      self.confirmed = true;
      self.setStatus("connected", "Connected", false);
      if (id === self.sessionId) {
        self.awaitingHistory = true;
        socket.emit("history_request", {});
        return;
      }
      if (self.sessionId && self.log.childElementCount > 0) {
        self.clearLog();
        self.addNotice(label("new_conversation",
          "Your earlier conversation has ended. This is a new conversation."));
      }
      self.sessionId = id;
      save(SESSION_KEY, id);
      self.flush();
    });
    socket.on("history", function (data) {
      if (!data || data.session_id !== self.sessionId) { return; }
      self.showHistory(Array.isArray(data.messages) ? data.messages : []);
      self.awaitingHistory = false;
      self.flush();
    });
    socket.on("bot_uttered", function (message) { self.addBot(message || {}, true); });
    socket.connect();
  };

  Widget.prototype.sendTyped = function () {
    var text = this.input.value;
    this.input.value = "";
    this.send(text, text);
    this.input.focus();
  };

  Widget.prototype.send = function (message, shown) {
    this.removeChoices();
    if (shown.trim()) { this.addMessage("user", shown); }
    this.queue.push(message);
    this.flush();
    if (this.queue.length) {
      this.setStatus("not_connected",
        "Not connected. Your message will be sent when the connection is back.", true);
    }
  };

  Widget.prototype.flush = function () {
    if (!this.confirmed || this.awaitingHistory) { return; }
    while (this.queue.length) {
      var payload = { message: this.queue[0], session_id: this.sessionId,
                      customData: { language: browserLanguage() } };
      if (!this.socket.emit("user_uttered", payload)) { return; }
      this.queue.shift();
    }
  };

  /* --- the transcript ---------------------------------------------------------- */

  Widget.prototype.showHistory = function (messages) {
    var self = this;
    // Shown at once without being read out again: the log is quiet meanwhile.
    this.log.setAttribute("aria-live", "off");
    this.clearLog();
    messages.forEach(function (message, index) {
      var last = index === messages.length - 1;
      if (message.sender === "user") { self.addMessage("user", String(message.text || "")); }
      else {
        self.addBot({ text: message.text, quick_replies: last ? message.buttons : null,
                      buttons: message.links, attachment: message.attachment,
                      lang: message.lang, dir: message.dir, advisor: message.advisor === true },
                     false);
      }
    });
    this.scrollToEnd();
    window.setTimeout(function () { self.log.setAttribute("aria-live", "polite"); }, 0);
  };

  Widget.prototype.clearLog = function () {
    while (this.log.firstChild) { this.log.removeChild(this.log.firstChild); }
  };

  Widget.prototype.addNotice = function (text) {
    var item = document.createElement("p");
    item.className = "msg msg-notice";
    item.textContent = text;
    this.log.appendChild(item);
    this.scrollToEnd();
  };

  Widget.prototype.addMessage = function (sender, text, lang, dir, advisor) {
    var item = document.createElement("div");
    item.className = "msg " + (sender === "user" ? "msg-user" : "msg-bot");
    // A bot message is in the language the server names; the citizen's own
    // text is in the conversation's language, its direction found from the text.
    item.lang = lang || PAGE.code;
    item.dir = dir || (sender === "user" ? "auto" : direction(item.lang));
    var paragraph = document.createElement("p");
    var who = document.createElement("span");
    who.className = "visually-hidden";
    // A live advisor's message says so: the citizen knows a person wrote it.
    who.textContent = sender === "user" ? label("you_said", "You said: ")
      : advisor ? label("advisor_said", "Advisor: ")
      : label("assistant_said", "NSSA Assistant: ");
    if (advisor) {
      item.className += " msg-advisor";
      who.className = "msg-who";
    }
    paragraph.appendChild(who);
    appendText(paragraph, text);
    item.appendChild(paragraph);
    this.log.appendChild(item);
    this.scrollToEnd();
    return item;
  };

  Widget.prototype.addBot = function (message, live) {
    var self = this;
    var item = null;
    // The language the server says the text is in (metadata of bot_uttered, or the
    // history entry's own lang and dir).
    var meta = message.metadata && typeof message.metadata === "object" ? message.metadata : message;
    var lang = typeof meta.lang === "string" ? meta.lang : null;
    var dir = meta.dir === "rtl" || meta.dir === "ltr" ? meta.dir : null;
    if (live && lang && PAGE.languages && PAGE.languages[lang] && lang !== PAGE.code) {
      // The conversation changed language: the page's labels follow it.
      save(LANG_KEY, lang);
      applyLanguage(lang);
    }
    var advisor = meta.advisor === true || message.advisor === true;
    if (message.text) { item = this.addMessage("bot", String(message.text), lang, dir, advisor); }
    var attachment = message.attachment;
    if (attachment && typeof attachment === "object") {
      item = item || this.addMessage("bot", "", lang, dir);
      appendAttachment(item, attachment);
    }
    var links = (Array.isArray(message.buttons) ? message.buttons : []).filter(function (b) {
      return b && (b.type === "web_url" || b.url);
    });
    var replies = [].concat(message.quick_replies || [],
      (Array.isArray(message.buttons) ? message.buttons : []).filter(function (b) {
        return b && b.payload !== undefined && !(b.type === "web_url" || b.url);
      }));
    if (links.length) {
      item = item || this.addMessage("bot", "", lang, dir);
      links.forEach(function (link) {
        var url = safeUrl(String(link.url || ""));
        if (!url) { return; }
        var anchor = document.createElement("a");
        anchor.href = url;
        anchor.textContent = String(link.title || url);
        var line = document.createElement("p");
        line.appendChild(anchor);
        item.appendChild(line);
      });
    }
    if (replies.length) {
      if (live) { this.removeChoices(); }
      var group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", label("choices", "Choices"));
      group.lang = lang || PAGE.code;
      group.dir = dir || direction(group.lang);
      replies.forEach(function (reply) {
        if (!reply || !reply.title) { return; }
        var button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.textContent = String(reply.title);
        var payload = String(reply.payload !== undefined ? reply.payload : reply.title);
        button.addEventListener("click", function () {
          self.send(payload, String(reply.title));
          self.input.focus();
        });
        group.appendChild(button);
      });
      this.log.appendChild(group);
      this.scrollToEnd();
    }
  };

  Widget.prototype.removeChoices = function () {
    var groups = this.log.querySelectorAll(".choices");
    Array.prototype.forEach.call(groups, function (group) { group.remove(); });
  };

  Widget.prototype.scrollToEnd = function () {
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    this.log.scrollTo({ top: this.log.scrollHeight, behavior: reduce ? "auto" : "smooth" });
  };

  /* --- safe rendering -------------------------------------------------------- */

  function safeUrl(text) {
    try {
      var url = new URL(text);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) { return null; }
  }

  // Text as text nodes; http(s) URLs in it as <a> elements.
  function appendText(parent, text) {
    var last = 0;
    var match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(text)) !== null) {
      var raw = match[0].replace(TRAILING_PUNCTUATION, "");
      var url = safeUrl(raw);
      if (!url) { continue; }
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var anchor = document.createElement("a");
      anchor.href = url;
      anchor.textContent = raw;
      parent.appendChild(anchor);
      last = match.index + raw.length;
      URL_PATTERN.lastIndex = last;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function appendAttachment(item, attachment) {
    var payload = attachment.payload || {};
    var src = safeUrl(String(payload.src || payload.url || ""));
    if (!src) { return; }
    if (attachment.type === "image") {
      var image = document.createElement("img");
      image.src = src;
      image.alt = String(payload.title || label("image", "Image sent by the assistant"));
      item.appendChild(image);
    } else {
      var anchor = document.createElement("a");
      anchor.href = src;
      anchor.textContent = String(payload.title || label("attachment", "Open the attachment"));
      item.appendChild(anchor);
    }
  }

  function start() {
    if (!document.getElementById("nssa-chat")) { return; }
    // The widget works at once (in English); the labels follow when they arrive.
    window.nssaChat = new Widget(document);
    loadLanguages(function () {});
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
