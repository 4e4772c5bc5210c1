// "Show as Teams shows it": each message drawn as the Adaptive Card qabot sends to Teams, by
// Microsoft's own renderer (adaptivecards/, vendored). Its buttons, ticks and forms post to the
// sandbox's /act like the page's HTML buttons, so they drive the same handlers. Plain
// JavaScript, no build step; without it the page shows its HTML messages as before.
(function () {
  "use strict";
  var conversation = document.getElementById("conversation");
  var AC = window.AdaptiveCards;
  if (!conversation || !AC) {
    return;
  }
  var base = conversation.dataset.poll.replace(/\/conversation$/, "");
  var STORED = "qabot.sandbox.teams-view";
  var drawing = null;

  // Teams' own look, closely enough: its font, and cards as wide as the conversation
  var hostConfig = new AC.HostConfig({
    fontFamily: "'Segoe UI', system-ui, -apple-system, sans-serif",
    supportsInteractivity: true,
    actions: { maxActions: 6, buttonSpacing: 8, actionsOrientation: "horizontal" },
  });

  // Teams' markdown in TextBlocks: **bold**, _italic_, [links](https://…), "- " bullets
  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function inline(text) {
    var escapes = [];
    var html = escapeHtml(text.replace(/\\([\\*_\[\]`~])/g, function (_, c) {
      escapes.push(c);
      return "\u0000" + (escapes.length - 1) + "\u0000";
    }));
    html = html
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      .replace(/(^|[^\w])_([^_]+)_(?!\w)/g, "$1<em>$2</em>")
      .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '<a href="$2" target="_blank" rel="noopener">$1</a>');
    return html.replace(/\u0000(\d+)\u0000/g, function (_, n) {
      return escapeHtml(escapes[Number(n)]);
    });
  }
  AC.AdaptiveCard.onProcessMarkdown = function (text, result) {
    var lines = text.split(/\r\n?|\n/);
    if (lines.every(function (line) { return /^- /.test(line); })) {
      result.outputHtml = "<ul>" + lines.map(function (line) {
        return "<li>" + inline(line.slice(2)) + "</li>";
      }).join("") + "</ul>";
    } else {
      result.outputHtml = lines.map(inline).join("<br>");
    }
    result.didProcess = true;
  };

  function eventId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID().replace(/-/g, "");
    }
    return String(Date.now()) + String(Math.random()).slice(2);
  }

  // An Action.Execute (or Submit) becomes the same POST as the page's own buttons
  function act(key, action) {
    var type = action.getJsonTypeName();
    if (type === "Action.OpenUrl") {
      window.open(action.url, "_blank", "noopener");
      return;
    }
    if (type !== "Action.Execute" && type !== "Action.Submit") {
      return;
    }
    var data = action.data || {};
    var fields = {
      action: action.verb || data.action || "",
      value: data.value === undefined ? "" : String(data.value),
      source_key: key,
      event_id: eventId(),
      said: action.title || "",
    };
    if (data.kind === "form") {
      fields.is_form = "1";
    }
    Object.keys(data).forEach(function (name) {
      if (!(name in fields) && name !== "kind" && name !== "value" && name !== "action") {
        fields[name] = String(data[name]);
      }
    });
    var form = document.createElement("form");
    form.method = "post";
    form.action = base + "/act";
    form.hidden = true;
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  function render(key, json) {
    var card = new AC.AdaptiveCard();
    card.hostConfig = hostConfig;
    card.onExecuteAction = function (action) {
      act(key, action);
    };
    card.parse(json);
    var element = card.render();
    var wrap = document.createElement("div");
    wrap.className = "teams-card";
    wrap.appendChild(element);
    return wrap;
  }

  function showAsTeams() {
    if (drawing) {
      return drawing;
    }
    drawing = fetch(base + "/cards", { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        return response.ok ? response.json() : { cards: {} };
      })
      .then(function (found) {
        conversation.querySelectorAll("article.message[data-key]").forEach(function (entry) {
          var json = found.cards[entry.dataset.key];
          var body = entry.querySelector(".body");
          if (!json || !body || body.querySelector(".teams-card")) {
            return;
          }
          Array.prototype.forEach.call(body.children, function (child) {
            if (!child.classList.contains("who")) {
              child.hidden = true;
              child.setAttribute("data-html-view", "");
            }
          });
          body.appendChild(render(entry.dataset.key, json));
          entry.classList.add("as-teams");
        });
      })
      .catch(function () {})
      .then(function () {
        drawing = null;
      });
    return drawing;
  }

  function showAsHtml() {
    conversation.querySelectorAll(".teams-card").forEach(function (card) {
      card.remove();
    });
    conversation.querySelectorAll("[data-html-view]").forEach(function (child) {
      child.hidden = false;
      child.removeAttribute("data-html-view");
    });
    conversation.querySelectorAll(".as-teams").forEach(function (entry) {
      entry.classList.remove("as-teams");
    });
  }

  // The switch, beside the person's name; remembered across pages
  var toggle = document.createElement("label");
  toggle.className = "teams-view";
  var box = document.createElement("input");
  box.type = "checkbox";
  toggle.appendChild(box);
  toggle.appendChild(document.createTextNode(" Show as Teams shows it"));
  var head = document.querySelector(".person-head") || conversation.parentNode;
  head.appendChild(toggle);
  try {
    box.checked = window.localStorage.getItem(STORED) === "on";
  } catch (e) {
    box.checked = false;
  }
  box.addEventListener("change", function () {
    try {
      window.localStorage.setItem(STORED, box.checked ? "on" : "off");
    } catch (e) {}
    if (box.checked) {
      showAsTeams();
    } else {
      showAsHtml();
    }
  });

  // the conversation is replaced as new messages arrive: draw the new ones as cards too
  new MutationObserver(function () {
    if (box.checked) {
      showAsTeams();
    }
  }).observe(conversation, { childList: true });
  if (box.checked) {
    showAsTeams();
  }
})();
