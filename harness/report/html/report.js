(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.hidden = false;
  var count = document.getElementById("filter-count");
  function apply() {
    var checked = form.querySelector("input[name=status]:checked");
    var status = checked ? checked.value : "all";
    var tag = document.getElementById("filter-tag").value;
    var domain = document.getElementById("filter-domain").value;
    var shown = 0, total = 0;
    document.querySelectorAll("section.feature").forEach(function (f) {
      var any = false;
      f.querySelectorAll("details.scenario").forEach(function (s) {
        total++;
        var g = s.getAttribute("data-status");
        var ok = (status === "all" || g === status ||
            (status === "notpassed" && g !== "passed" && g !== "skipped")) &&
          (tag === "" || (" " + s.getAttribute("data-tags") + " ").indexOf(" " + tag + " ") >= 0) &&
          (domain === "" || f.getAttribute("data-domain") === domain);
        s.hidden = !ok;
        if (ok) { any = true; shown++; }
      });
      f.hidden = !any;
    });
    count.textContent = "Showing " + shown + " of " + total + " scenarios.";
  }
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();

  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var code = document.getElementById(b.getAttribute("data-copy"));
      var text = code.textContent;
      var done = function () { b.textContent = "Copied"; };
      var select = function () {
        var r = document.createRange();
        r.selectNodeContents(code);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(r);
        b.textContent = "Selected: press Ctrl+C";
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, select);
      } else {
        select();
      }
    });
  });

  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === "DETAILS") {
      el.open = true;
      if (el.hidden) {
        form.querySelector("input[value=all]").checked = true;
        document.getElementById("filter-tag").value = "";
        document.getElementById("filter-domain").value = "";
        apply();
      }
      el.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
