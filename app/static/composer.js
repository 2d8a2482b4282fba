/* Composer: show per-platform fields only for chosen platforms; insert templates and hashtag sets.
   Everything here is an enhancement: without JavaScript every field is shown and the form still works. */
(function () {
  "use strict";

  function chosenPlatforms(form) {
    var platforms = {};
    form.querySelectorAll("input[data-platform]").forEach(function (box) {
      if (box.checked) { platforms[box.getAttribute("data-platform")] = true; }
    });
    return platforms;
  }

  function showVariants(form) {
    var platforms = chosenPlatforms(form);
    form.querySelectorAll("[data-variant-platform]").forEach(function (block) {
      var platform = block.getAttribute("data-variant-platform");
      var text = block.querySelector("textarea");
      // Keep a variant visible while it holds text, so nothing typed disappears.
      block.hidden = !platforms[platform] && !(text && text.value.trim());
    });
  }

  function insertTemplate(select, body) {
    var option = select.options[select.selectedIndex];
    if (!option || !option.value) { return; }
    var text = option.getAttribute("data-text") || "";
    if (option.getAttribute("data-kind") === "hashtags") {
      body.value = body.value.replace(/\s+$/, "") + (body.value.trim() ? "\n\n" : "") + text;
    } else {
      body.value = text;
    }
    select.value = "";
    body.focus();
    body.dispatchEvent(new Event("keyup", { bubbles: true }));
    body.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("post-form");
    if (!form) { return; }
    document.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
    showVariants(form);
    form.addEventListener("change", function () { showVariants(form); });
    var picker = document.querySelector("[data-composer-template]");
    var body = form.querySelector("[data-composer-body]");
    if (picker && body) {
      picker.addEventListener("change", function () { insertTemplate(picker, body); });
    }
  });
})();
