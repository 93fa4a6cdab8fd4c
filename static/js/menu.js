// The header's menu folds behind its "Menu" button on narrow screens (templates/base.html).
// Without this script the menu simply stays open; the button is only shown when it works.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 47.99em)");

  function setUp() {
    var button = document.querySelector(".site-menu-toggle");
    var menu = document.getElementById("site-menu");
    if (!button || !menu) return;

    function show(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) menu.removeAttribute("data-collapsed");
      else menu.setAttribute("data-collapsed", "");
    }

    button.hidden = false;
    show(!narrow.matches);
    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    narrow.addEventListener("change", function () { show(!narrow.matches); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && narrow.matches && button.getAttribute("aria-expanded") === "true") {
        show(false);
        button.focus();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
