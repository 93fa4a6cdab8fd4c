/* The PDF status of a published evaluation (templates/followup/evaluation.html and
   public_evaluation.html). While the PDF is queued or being made, ask the server every two
   seconds (followup:pdf-status) and update the status text, the download link and, for officers,
   the "try again" button. Without JavaScript the page says the status and offers a refresh link. */
(function () {
  "use strict";

  var INTERVAL = 2000;
  var MAX_FAILURES = 5;
  var status = document.getElementById("pdf-status");
  if (!status || !window.fetch) {
    return;
  }
  var url = status.getAttribute("data-status-url");
  var block = status.parentElement;
  var label = status.querySelector(".pdf-status__label");
  var link = status.querySelector(".pdf-status__link");
  var refresh = block.querySelector(".pdf-status__refresh");
  var retry = block.querySelector(".pdf-status__retry");
  var failures = 0;

  function pending(value) {
    return value === "queued" || value === "rendering";
  }

  function show(data) {
    if (label && label.textContent !== data.label) {
      label.textContent = data.label;
      label.classList.remove("visually-hidden");
    }
    if (link) {
      if (data.url) {
        link.setAttribute("href", data.url);
        link.hidden = false;
      } else {
        link.removeAttribute("href");
        link.hidden = true;
      }
    }
    if (refresh) {
      refresh.hidden = !pending(data.status);
    }
    if (retry) {
      retry.hidden = data.status !== "failed";
    }
    status.setAttribute("data-status", data.status);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        show(data);
        if (pending(data.status)) {
          window.setTimeout(poll, INTERVAL);
        }
      })
      .catch(function () {
        // Keep the refresh link; try a few more times, less often.
        failures += 1;
        if (failures < MAX_FAILURES) {
          window.setTimeout(poll, INTERVAL * (failures + 1));
        }
      });
  }

  if (pending(status.getAttribute("data-status"))) {
    window.setTimeout(poll, INTERVAL);
  }
})();
