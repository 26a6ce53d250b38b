// The console's live parts: the queue and a conversation follow /api/events;
// a message is sent with fetch, without a reload. Without JavaScript the
// pages still work (forms and links).
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  function text(tag, value, cls) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    node.textContent = value;
    return node;
  }

  function conversationPath(id) { return "/conversations/" + encodeURIComponent(id); }

  function renderQueue(state) {
    var body = document.querySelector("#queue-table tbody");
    if (!body) { return; }
    body.textContent = "";
    state.queue.forEach(function (item, index) {
      var row = document.createElement("tr");
      var seconds = item.waiting_seconds;
      [item.channel, Math.floor(seconds / 60) + " min " + (seconds % 60) + " s", item.reason,
        String(item.identity_level)].forEach(function (value) { row.appendChild(text("td", value)); });
      var cell = document.createElement("td");
      var link = text("a", "Open conversation " + (index + 1));
      link.href = conversationPath(item.conversation_id);
      cell.appendChild(link);
      row.appendChild(cell);
      body.appendChild(row);
    });
    if (!state.queue.length) {
      var empty = document.createElement("tr");
      var cell = text("td", "Nobody is waiting.");
      cell.colSpan = 5;
      empty.appendChild(cell);
      body.appendChild(empty);
    }
    document.getElementById("queue-live").textContent = state.queue.length + " waiting.";
    document.getElementById("advisors-present").textContent = String(state.advisors_present);
    var mine = document.getElementById("mine-list");
    mine.textContent = "";
    state.mine.forEach(function (item) {
      var li = document.createElement("li");
      var link = text("a", item.channel + " conversation (" + item.reason + ")");
      link.href = conversationPath(item.conversation_id);
      li.appendChild(link);
      mine.appendChild(li);
    });
    if (!state.mine.length) { mine.appendChild(text("li", "You hold no conversation.")); }
    var ended = document.getElementById("ended-list");
    ended.textContent = "";
    state.ended.forEach(function (item) {
      var li = document.createElement("li");
      var link = text("a", item.channel + " conversation (" + item.state.replace("_", " ") +
        (item.outcome ? ": " + item.outcome : "") + ")");
      link.href = conversationPath(item.conversation_id);
      li.appendChild(link);
      ended.appendChild(li);
    });
    if (!state.ended.length) { ended.appendChild(text("li", "None yet.")); }
  }

  function addTurns(list, turns) {
    turns.forEach(function (turn) {
      if (document.getElementById("turn-" + turn.id)) { return; }
      var who = turn.speaker === "advisor" ? "Advisor " + turn.advisor
        : turn.speaker === "citizen" ? "Citizen" : "Assistant";
      var li = document.createElement("li");
      li.className = "turn " + turn.speaker;
      li.id = "turn-" + turn.id;
      li.appendChild(text("span", who + ":", "who"));
      li.appendChild(document.createTextNode(" " + turn.text));
      list.appendChild(li);
    });
  }

  var transcript = document.getElementById("transcript");
  var queueTable = document.getElementById("queue-table");
  // Every advisor page follows the stream: it keeps a present advisor present.
  if (document.body.dataset.role !== "advisor") { return; }
  var url = "/api/events?csrf=" + encodeURIComponent(csrf);
  if (transcript) {
    url += "&conversation=" + encodeURIComponent(transcript.dataset.conversation) +
      "&after=" + encodeURIComponent(transcript.dataset.latest);
  }
  var source = new EventSource(url);
  source.addEventListener("queue", function (event) {
    if (queueTable) { renderQueue(JSON.parse(event.data)); }
  });
  source.addEventListener("turns", function (event) {
    addTurns(transcript, JSON.parse(event.data).turns);
  });
  source.addEventListener("refused", function () { source.close(); });

  var form = document.getElementById("say-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = document.getElementById("text");
      var status = document.getElementById("say-status");
      status.textContent = "Sending...";
      fetch("/api" + conversationPath(transcript.dataset.conversation) + "/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ text: box.value }),
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (body) {
          if (response.ok) { box.value = ""; status.textContent = "Message sent."; }
          else { status.textContent = "Not sent: " + body.error; }
        });
      }).catch(function () { status.textContent = "Not sent: the console cannot be reached."; });
      box.focus();
    });
  }
})();
