// Search box suggestions and small search-page conveniences.
// Progressive enhancement only: without this file every search box is a plain GET form.
(function () {
  "use strict";

  var DEBOUNCE_MS = 180;
  var MIN_CHARS = 1;
  var counter = 0;

  document.documentElement.classList.add("js");

  function Suggest(input) {
    this.input = input;
    this.url = input.getAttribute("data-suggest");
    this.form = input.form;
    this.timer = null;
    this.seq = 0; // answers that arrive out of order are dropped
    this.active = -1;
    this.items = [];
    this.typed = input.value;

    var id = "suggest-list-" + ++counter;
    this.list = document.createElement("ul");
    this.list.id = id;
    this.list.className = "suggest-list";
    this.list.setAttribute("role", "listbox");
    this.list.hidden = true;
    input.parentNode.appendChild(this.list);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);

    input.addEventListener("input", this.onInput.bind(this));
    input.addEventListener("keydown", this.onKey.bind(this));
    input.addEventListener("blur", this.close.bind(this));
    // mousedown, not click: it comes before the input's blur closes the list.
    this.list.addEventListener("mousedown", this.onPick.bind(this));
  }

  Suggest.prototype.onInput = function () {
    var self = this;
    var q = this.input.value.trim();
    this.typed = this.input.value;
    clearTimeout(this.timer);
    if (q.length < MIN_CHARS) {
      this.seq++;
      this.close();
      return;
    }
    this.timer = setTimeout(function () {
      self.fetch(q);
    }, DEBOUNCE_MS);
  };

  Suggest.prototype.fetch = function (q) {
    var self = this;
    var seq = ++this.seq;
    var url = this.url + "?" + new URLSearchParams({ q: q.slice(0, 100), size: "8" });
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { suggestions: [] };
      })
      .then(function (body) {
        if (seq === self.seq) self.render(body.suggestions || []);
      })
      .catch(function () {
        if (seq === self.seq) self.close();
      });
  };

  Suggest.prototype.render = function (suggestions) {
    var list = this.list;
    list.textContent = "";
    this.items = suggestions;
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    if (!suggestions.length || document.activeElement !== this.input) {
      this.close();
      return;
    }
    suggestions.forEach(function (text, i) {
      var li = document.createElement("li");
      li.id = list.id + "-" + i;
      li.className = "suggest-item";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-index", String(i));
      li.textContent = text; // text, never HTML
      list.appendChild(li);
    });
    list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  };

  Suggest.prototype.close = function () {
    this.list.hidden = true;
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  };

  Suggest.prototype.move = function (step) {
    var n = this.items.length;
    if (!n) return;
    // -1 is the text the user typed: moving past either end comes back to it.
    var next = this.active + step;
    if (next < -1) next = n - 1;
    if (next >= n) next = -1;
    this.highlight(next);
  };

  Suggest.prototype.highlight = function (index) {
    var options = this.list.children;
    for (var i = 0; i < options.length; i++) {
      options[i].setAttribute("aria-selected", i === index ? "true" : "false");
    }
    this.active = index;
    if (index >= 0) {
      this.input.value = this.items[index];
      this.input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      this.input.value = this.typed;
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  Suggest.prototype.choose = function (index) {
    this.input.value = this.items[index];
    this.close();
    if (this.form) {
      if (this.form.requestSubmit) this.form.requestSubmit();
      else this.form.submit();
    }
  };

  Suggest.prototype.onKey = function (event) {
    var open = !this.list.hidden;
    switch (event.key) {
      case "ArrowDown":
        if (!open && this.items.length) {
          this.list.hidden = false;
          this.input.setAttribute("aria-expanded", "true");
        } else {
          this.move(1);
        }
        event.preventDefault();
        break;
      case "ArrowUp":
        if (open) {
          this.move(-1);
          event.preventDefault();
        }
        break;
      case "Enter":
        if (open && this.active >= 0) {
          event.preventDefault();
          this.choose(this.active);
        } else {
          this.close(); // the form submits what was typed
        }
        break;
      case "Escape":
        if (open) {
          this.input.value = this.typed;
          this.close();
          event.preventDefault();
        }
        break;
    }
  };

  Suggest.prototype.onPick = function (event) {
    var li = event.target.closest(".suggest-item");
    if (!li) return;
    event.preventDefault(); // keep the focus in the box
    this.choose(Number(li.getAttribute("data-index")));
  };

  function init() {
    var inputs = document.querySelectorAll("input[data-suggest]");
    for (var i = 0; i < inputs.length; i++) new Suggest(inputs[i]);
    // A changed sort order applies at once (the Apply button is there without JavaScript).
    document.addEventListener("change", function (event) {
      var el = event.target;
      if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
