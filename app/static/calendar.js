/* Content calendar: drag a post to another day (native HTML5 drag and drop).
 * The drop POSTs the new date to the post's reschedule URL; the server decides (lifecycle rules)
 * and answers JSON with a message, announced in the #cal-status live region. Without JavaScript
 * every movable post has a "Move" link to a form doing the same. */
(function () {
  "use strict";
  var dragged = null;

  function announce(message, ok) {
    var status = document.getElementById("cal-status");
    if (!status) { return; }
    status.textContent = message;
    status.className = "cal-status-line flash " + (ok ? "flash-success" : "flash-error");
  }

  function dropZone(node) {
    return node && node.closest ? node.closest("[data-drop-date]") : null;
  }

  function clearHighlights() {
    document.querySelectorAll(".cal-drop-over").forEach(function (el) { el.classList.remove("cal-drop-over"); });
  }

  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest ? event.target.closest("[data-move-url]") : null;
    if (!item) { return; }
    dragged = item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-move-url"));
    item.classList.add("cal-dragging");
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("cal-dragging"); }
    dragged = null;
    clearHighlights();
  });

  document.addEventListener("dragover", function (event) {
    var zone = dropZone(event.target);
    if (!zone || !dragged) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clearHighlights();
    zone.classList.add("cal-drop-over");
  });

  document.addEventListener("drop", function (event) {
    var zone = dropZone(event.target);
    if (!zone || !dragged) { return; }
    event.preventDefault();
    clearHighlights();
    var item = dragged;
    var date = zone.getAttribute("data-drop-date");
    if (date === item.getAttribute("data-date")) { return; }
    var meta = document.querySelector('meta[name="csrf-token"]');
    fetch(item.getAttribute("data-move-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": meta ? meta.getAttribute("content") : ""
      },
      body: "date=" + encodeURIComponent(date)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      announce(result.data.message, result.ok);
      if (!result.ok) { return; }
      var list = zone.querySelector(".cal-entries");
      if (list) { list.appendChild(item); }
      item.setAttribute("data-date", date);
      zone.classList.remove("cal-empty");
      var invite = zone.querySelector(".cal-new");
      if (invite) { invite.remove(); }
      if (result.data.review) {
        item.className = "cal-post cal-state-in_review";
        var label = item.querySelector(".cal-status");
        if (label) { label.textContent = label.getAttribute("data-review-label"); }
      }
    }).catch(function () {
      var status = document.getElementById("cal-status");
      announce(status ? status.getAttribute("data-failed") : "", false);
    });
  });
})();
