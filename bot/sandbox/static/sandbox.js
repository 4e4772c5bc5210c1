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
    // the box to message qabot is sticky, so scroll the page itself to its end
    window.scrollTo(0, document.documentElement.scrollHeight);
  }

  conversation.addEventListener("input", function () {
    typing = true;
  });
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

  showLatest();
  window.setTimeout(loop, POLL_MS);
})();
