// Receipt page: copy buttons, and the vote's status polled until a block holds it.
(function () {
  "use strict";
  var messages = JSON.parse(document.getElementById("receipt-messages").textContent);
  var copied = document.getElementById("copied");
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = document.getElementById(button.dataset.copy).textContent.trim();
      navigator.clipboard.writeText(text).then(function () { copied.textContent = messages.copied; });
    });
  });
  var status = document.getElementById("status");
  var block = document.getElementById("block");
  function poll() {
    if (status.dataset.status === "confirmed") return;
    fetch(status.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && body.status !== status.dataset.status) {
          status.dataset.status = body.status;
          status.className = "status " + body.status;
          status.textContent = body.label;
          if (body.block_height !== null) {
            block.textContent = messages.in_block.replace("%(height)s", body.block_height);
          }
        }
      })
      .catch(function () {})
      .finally(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 2000);
})();
