// The auction lot page, live: polls the lot's small JSON endpoint every few seconds and
// updates the figures in place (no page reload); the countdown ticks between polls from
// the server's "seconds left", so a wrong clock on this computer changes nothing.
(function () {
  "use strict";
  var box = document.querySelector("[data-live-url]");
  if (!box) return;
  var url = box.getAttribute("data-live-url");
  var countdown = document.querySelector('[data-live="countdown"]');
  var left = countdown ? parseInt(countdown.getAttribute("data-seconds"), 10) : 0;
  var typed = false;
  var amount = document.querySelector('[data-live-value="minimum_bid"]');
  if (amount) amount.addEventListener("input", function () { typed = true; });

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function show() {
    if (!countdown) return;
    var s = Math.max(0, left);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60), r = s % 60;
    countdown.textContent = (d ? d + "d " : "") + pad(h) + ":" + pad(m) + ":" + pad(r);
  }
  function set(name, value) {
    var el = document.querySelector('[data-live="' + name + '"]');
    if (el && value !== undefined && value !== null) el.textContent = value;
  }
  function cell(text, code) {
    var td = document.createElement("td");
    if (code) {
      var c = document.createElement("code");
      c.textContent = text;
      td.appendChild(c);
    } else {
      td.textContent = text;
    }
    return td;
  }
  function render(data) {
    ["phase_label", "current_price", "minimum_bid_text", "ends_at", "extensions",
      "bidder_count", "bid_count", "leader", "my_status"].forEach(function (k) {
      if (data[k] !== "") set(k, data[k]);
    });
    // The "you are leading" notice of the reader's own bid turns when it is outbid.
    var notice = document.querySelector('[data-live="bid_notice"]');
    if (notice && data.my_status_code === "outbid") {
      notice.textContent = notice.getAttribute("data-outbid-text");
      notice.className = "flash flash-error";
      notice.setAttribute("role", "alert");
    }
    left = data.seconds_left;
    show();
    if (amount && !typed) amount.value = Math.floor(data.minimum_bid / 100);
    var body = document.querySelector('[data-live="log"]');
    if (body && data.log) {
      while (body.firstChild) body.removeChild(body.firstChild);
      data.log.forEach(function (b) {
        var tr = document.createElement("tr");
        tr.appendChild(cell(String(b.seq)));
        tr.appendChild(cell(b.bidder));
        tr.appendChild(cell(b.amount));
        tr.appendChild(cell(b.at));
        tr.appendChild(cell(b.hash, true));
        body.appendChild(tr);
      });
    }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) render(data); })
      .catch(function () {})
      .then(function () { setTimeout(poll, 3000); });
  }
  show();
  setInterval(function () { left -= 1; show(); }, 1000);
  setTimeout(poll, 3000);
})();
