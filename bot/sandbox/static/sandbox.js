// The conversation opens at its latest message and shows new ones without a reload.
// No build step: plain JavaScript, and every page still works without it.
(function () {
  "use strict";
  var conversation = document.getElementById("conversation");
  if (!conversation) {
    return;
  }
  var POLL_MS = 2000;
  var typing = false; // a form in the conversation holds something typed: never wipe it

  function showLatest() {
    // The box to message qabot is sticky, so scroll the page itself to its end; a latest
    // message taller than the window (a form) is shown from its start instead.
    var entries = conversation.querySelectorAll(".entry");
    var last = entries.length ? entries[entries.length - 1] : null;
    var say = document.querySelector("form.say");
    var room = window.innerHeight - (say ? say.offsetHeight : 0);
    if (last && last.offsetHeight > room * 0.8) {
      last.scrollIntoView({ block: "start" });
    } else {
      window.scrollTo(0, document.documentElement.scrollHeight);
    }
  }

  conversation.addEventListener("input", function (event) {
    typing = true;
    var field = event.target;
    if (field.classList && field.classList.contains("person")) {
      showWho(field);
    }
  });

  // A people picker says who its staff id is: name, role and team from its list.
  function showWho(field) {
    var who = document.getElementById(field.id + "-who");
    var list = field.list;
    if (!who || !list) {
      return;
    }
    var wanted = field.value.trim().toLowerCase();
    var found = "";
    for (var i = 0; i < list.options.length; i++) {
      var option = list.options[i];
      if (option.value.toLowerCase() === wanted || option.textContent.toLowerCase() === wanted) {
        found = option.textContent;
        break;
      }
    }
    who.textContent = found;
  }
  conversation.addEventListener("submit", function () {
    typing = false;
  });

  function poll() {
    if (typing || document.hidden) {
      return Promise.resolve();
    }
    var url = conversation.dataset.poll + "?since=" + encodeURIComponent(conversation.dataset.version);
    return fetch(url, { headers: { Accept: "text/html" }, cache: "no-store" }).then(function (response) {
      if (response.status !== 200) {
        return;
      }
      var version = response.headers.get("X-Version") || "";
      return response.text().then(function (html) {
        if (typing) {
          return;
        }
        conversation.innerHTML = html;
        conversation.dataset.version = version;
        showLatest();
      });
    });
  }

  function loop() {
    poll()
      .catch(function () {})
      .then(function () {
        window.setTimeout(loop, POLL_MS);
      });
  }

  // #latest brings a page without JavaScript to the end; with it, the page is placed here.
  // A form that came back with problems is named by its id instead: shown from its start.
  var hash = window.location.hash;
  var returned = hash.length > 1 && hash !== "#latest" ? document.getElementById(hash.slice(1)) : null;
  function place() {
    if (returned) {
      returned.scrollIntoView({ block: "start" });
      var invalid = returned.querySelector("[aria-invalid=true]");
      if (invalid) {
        invalid.focus({ preventScroll: true });
      }
    } else {
      showLatest();
    }
  }
  if (hash === "#latest") {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  place();
  window.addEventListener("load", place);
  window.setTimeout(loop, POLL_MS);
})();
