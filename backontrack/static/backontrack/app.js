// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS && typeof window.DKFDS.init === "function") {
    window.DKFDS.init();
  }
  // The design system names its overflow menu in Danish only; say it in the page's language.
  var nav = document.querySelector(".navigation-menu[data-more-label]");
  var more = document.querySelector(".navigation-menu .more-button span");
  if (nav && more) {
    more.textContent = nav.getAttribute("data-more-label");
  }
  // On a phone a list's filters fold away unless one is in use: the list comes first.
  if (window.matchMedia("(max-width: 575.98px)").matches) {
    document.querySelectorAll(".bot-filter-panel[open]:not([data-in-use])").forEach(function (panel) {
      panel.removeAttribute("open");
    });
  }
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
