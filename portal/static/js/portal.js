// The portal's only script: no inline script anywhere (the CSP forbids it).
(function () {
  "use strict";

  var tokenMeta = document.querySelector('meta[name="csrf-token"]');

  var pageUrl = document.body.getAttribute("data-page-url");
  if (pageUrl && window.history.replaceState) {
    window.history.replaceState(null, "", pageUrl + window.location.hash);
  }

  // htmx requests carry the CSRF token in a header.
  document.addEventListener("htmx:configRequest", function (event) {
    if (tokenMeta) {
      event.detail.headers["X-CSRFToken"] = tokenMeta.content;
    }
  });

  // A table wider than its box fades at the edge while there is more of it to scroll to.
  function markScroll(wrap) {
    var rest = wrap.scrollWidth - wrap.clientWidth - Math.abs(wrap.scrollLeft);
    wrap.toggleAttribute("data-more", rest > 1);
  }
  function markAllScrolls() {
    document.querySelectorAll(".table-wrap").forEach(markScroll);
  }
  document.addEventListener("DOMContentLoaded", markAllScrolls);

  // After an action the focus goes where its outcome is, not back to the top of the page:
  // the first field refused, else the confirmation message.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector('main [aria-invalid="true"]');
    var message = document.querySelector("main .flashes .flash");
    if (invalid) {
      invalid.focus();
    } else if (message) {
      message.setAttribute("tabindex", "-1");
      message.focus();
    }
  });
  document.addEventListener("htmx:afterSettle", markAllScrolls);
  window.addEventListener("resize", markAllScrolls);
  document.addEventListener(
    "scroll",
    function (event) {
      if (event.target.classList && event.target.classList.contains("table-wrap")) {
        markScroll(event.target);
      }
    },
    true
  );

  // A search box over a long list of checkboxes (data-filters names the list's id).
  document.addEventListener("input", function (event) {
    var box = event.target.closest("input[data-filters]");
    if (!box) {
      return;
    }
    var list = document.getElementById(box.getAttribute("data-filters"));
    var words = box.value.trim().toLowerCase();
    if (!list) {
      return;
    }
    list.querySelectorAll("li").forEach(function (item) {
      var input = item.querySelector("input");
      var match = !words || item.textContent.toLowerCase().indexOf(words) !== -1;
      item.hidden = !match && !(input && input.checked);
    });
  });

  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form) {
      form.submit();
    }
  });

  document.addEventListener("click", function (event) {
    // The header's "Menu" button on narrow screens: CSS shows the menu from aria-expanded.
    var toggle = event.target.closest(".nav-toggle");
    if (toggle) {
      toggle.setAttribute(
        "aria-expanded",
        toggle.getAttribute("aria-expanded") === "true" ? "false" : "true"
      );
      return;
    }
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
