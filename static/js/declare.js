/* Progressive enhancement of the declaration form: add and remove itinerary rows,
   and a region picker on each leg's region input. Without this file the form still
   works: plain rows, a code or a unique name typed into the region input. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-declare-form]");
  if (!form || !window.fetch) { return; }
  var text = form.dataset;
  var regionsUrl = text.regionsUrl;
  var legList = form.querySelector("[data-leg-list]");
  var legTemplate = document.getElementById("leg-row-template");
  var uid = 0;

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  // Region names are Chinese data: on an English page a screen reader must switch voice.
  function chineseName(name) {
    var span = document.createElement("span");
    span.lang = "zh-Hans";
    span.textContent = name;
    return span;
  }

  // On an English page a place reads "Guangling District, Yangzhou, Jiangsu (广陵区)":
  // the English name, then the Chinese one marked for a screen reader's Chinese voice.
  var english = (document.documentElement.lang || "").indexOf("en") === 0;
  function placeName(region, full) {
    var englishName = full ? region.full_name_en : region.name_en;
    var fragment = document.createDocumentFragment();
    if (english && englishName) {
      fragment.appendChild(document.createTextNode(englishName + " ("));
      fragment.appendChild(chineseName(region.name));
      fragment.appendChild(document.createTextNode(")"));
    } else {
      fragment.appendChild(chineseName(full ? region.full_name : region.name));
    }
    return fragment;
  }

  // The page renders the catalogue's singular and plural ("1 place", "2 places"). The
  // choice between them is the plural rule of English, the only language with two forms.
  // Today's risk counties, from the page (the regions API's answers are cached an hour).
  var riskLevels = {};
  ["high", "medium"].forEach(function (level) {
    var key = "risk" + level.charAt(0).toUpperCase() + level.slice(1);
    (text[key] || "").split(" ").forEach(function (code) {
      if (code) { riskLevels[code] = level; }
    });
  });
  function riskNote(region) {
    var level = riskLevels[region.code];
    if (!level) { return null; }
    var note = document.createElement("span");
    note.className = "picker-risk risk-" + level;
    note.textContent = text.openBracket + (level === "high" ? text.riskHighLabel : text.riskMediumLabel) + text.closeBracket;
    return note;
  }

  function resultsLabel(count) {
    return count === 1 ? text.resultsLabelOne : text.resultsLabelOther;
  }

  function setupPicker(row) {
    var input = row.querySelector("[data-region-input]");
    var code = row.querySelector("[data-region-code]");
    var chosen = row.querySelector("[data-region-chosen]");
    if (!input || input.dataset.pickerReady) { return; }
    input.dataset.pickerReady = "1";
    uid += 1;
    var listId = "region-list-" + uid;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "picker-results";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", text.pickerLabel);
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "hint picker-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");
    var results = [];
    var active = -1;
    // The value the page came with (a re-shown or amended form): clearing it must drop its code.
    var lastQuery = input.value.trim();

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function pick(index) {
      var region = results[index];
      if (!region) { return; }
      // The box reads as the page does; the server takes either language's name with the code.
      input.value = english && region.full_name_en ? region.full_name_en : region.full_name;
      code.value = region.code;
      lastQuery = input.value;
      if (chosen) {
        chosen.textContent = text.chosenLabel;
        chosen.appendChild(placeName(region, true));
        chosen.appendChild(document.createTextNode(
          (text.openBracket || " (") + region.code + (text.closeBracket || ")")));
      }
      status.textContent = "";
      close();
    }

    function render() {
      list.innerHTML = "";
      results.forEach(function (region, i) {
        var option = document.createElement("li");
        option.id = listId + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.appendChild(placeName(region, true));
        // for_legs offers no retired county: a leg in one would never meet a risk area.
        option.appendChild(document.createTextNode(" " + region.code));
        var risk = riskNote(region);
        if (risk) { option.appendChild(risk); }
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { pick(i); input.focus(); });
        list.appendChild(option);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      status.textContent = results.length
        ? resultsLabel(results.length).replace("%s", results.length)
        : text.noResultsLabel;
    }

    var search = debounce(function (query) {
      if (query.length < 2 && !/[^\x00-\x7F]/.test(query)) { results = []; close(); status.textContent = ""; return; }
      fetch(regionsUrl + "?for_legs=1&q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : { results: [] };
      }).then(function (body) {
        if (input.value.trim() !== query) { return; }
        results = body.results || [];
        active = -1;
        render();
      }).catch(function () { status.textContent = ""; });
    }, 200);

    input.addEventListener("input", function () {
      var query = input.value.trim();
      if (query === lastQuery) { return; }
      lastQuery = query;
      // A typed value no longer matches the code picked earlier.
      code.value = "";
      if (chosen) { chosen.textContent = ""; }
      search(query);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        if (list.hidden && results.length) { render(); }
        highlight(active + 1); event.preventDefault();
      } else if (event.key === "ArrowUp") {
        highlight(active - 1); event.preventDefault();
      } else if (event.key === "Enter") {
        // Enter chooses a region; it never sends the form from the picker.
        event.preventDefault();
        if (!list.hidden && active >= 0) { pick(active); }
        else if (results.length === 1) { pick(0); }
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function renumber() {
    var rows = legList.querySelectorAll("[data-leg-row]");
    rows.forEach(function (row, index) {
      row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/legs-(\d+|__prefix__)-/g, "legs-" + index + "-")); }
        });
      });
      var number = row.querySelector("[data-leg-number]");
      if (number) { number.textContent = String(index + 1); }
      var remove = row.querySelector("[data-remove-leg]");
      if (remove) { remove.hidden = rows.length < 2; }
    });
    if (addButton) {
      // At the limit the button says why it no longer adds a row.
      var full = rows.length >= Number(text.maxLegs);
      addButton.disabled = full;
      limitNote.textContent = full ? text.maxLegsLabel : "";
    }
  }

  function addRemoveButton(row) {
    if (row.querySelector("[data-remove-leg]")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button-secondary";
    button.setAttribute("data-remove-leg", "");
    button.textContent = text.removeLegLabel;
    // Every row's button reads the same: its description names the row ("第2段行程").
    var legend = row.querySelector("legend[id]");
    if (legend) { button.setAttribute("aria-describedby", legend.id); }
    button.addEventListener("click", function () {
      // The form keeps one row at least (the button is hidden then, this is a safeguard).
      if (legList.querySelectorAll("[data-leg-row]").length < 2) { return; }
      var next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber();
      var focusTarget = next && next.querySelector("input");
      (focusTarget || addButton).focus();
    });
    (row.querySelector("fieldset") || row).appendChild(button);
  }

  var addButton = null;
  var limitNote = document.createElement("p");
  limitNote.className = "hint";
  limitNote.setAttribute("aria-live", "polite");
  limitNote.setAttribute("data-legs-limit", "");
  if (legList && legTemplate) {
    legList.querySelectorAll("[data-leg-row]").forEach(function (row) {
      setupPicker(row);
      addRemoveButton(row);
    });
    addButton = document.createElement("button");
    addButton.type = "button";
    addButton.className = "button-secondary";
    addButton.textContent = text.addLegLabel;
    addButton.addEventListener("click", function () {
      var count = legList.querySelectorAll("[data-leg-row]").length;
      if (count >= Number(text.maxLegs)) { return; }
      var fragment = legTemplate.content.cloneNode(true);
      var row = fragment.querySelector("[data-leg-row]");
      legList.appendChild(fragment);
      renumber();
      setupPicker(row);
      addRemoveButton(row);
      renumber();
      row.querySelector("[data-region-input]").focus();
    });
    var noJsAdd = form.querySelector("[data-nojs-add-legs]");
    if (noJsAdd) { noJsAdd.replaceWith(addButton); } else { legList.after(addButton); }
    addButton.after(limitNote);
    renumber();
  }

  // The identity number's hint for the chosen document type only (all of them without
  // this file). The select is the number's neighbour: "id_id_type" for "id_id_number",
  // "id_companions-0-id_type" for "id_companions-0-id_number".
  form.querySelectorAll("[data-choice-hints]").forEach(function (hints) {
    var select = document.getElementById(hints.id.replace(/id_number-hint$/, "id_type"));
    if (!select || select === hints) { return; }
    function show() {
      var items = hints.querySelectorAll("[data-choice-hint]");
      var known = Array.prototype.some.call(items, function (item) {
        return item.dataset.choiceHint === select.value;
      });
      items.forEach(function (item) {
        item.hidden = known && item.dataset.choiceHint !== select.value;
      });
    }
    select.addEventListener("change", show);
    show();
  });

  // Switching language on the declaration form keeps what was typed: the form itself is
  // posted, the server keeps it as the (encrypted) draft and shows it in the new language.
  // Without this the header's own form switches and the answers are lost.
  var languageForm = document.querySelector("form.lang-switch");
  if (languageForm && form.hasAttribute("data-keeps-draft")) {
    languageForm.addEventListener("submit", function (event) {
      event.preventDefault();
      [["action", "switch_language"],
       ["ui_language", languageForm.querySelector("[name=language]").value]].forEach(function (pair) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = pair[0];
        hidden.value = pair[1];
        form.appendChild(hidden);
      });
      form.submit();
    });
  }
})();
