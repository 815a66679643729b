// The rules editor over the rules API (/api/v1/rules/…): edit files of the active version, check them
// (messages pinned to lines), run the test cases, simulate the draft on recent appeals (the worker runs
// it; the page follows its progress, then shows the report), publish with a comment, browse versions
// with their diff, roll back. The server lists the API routes it has in data-api; controls whose route
// is missing are hidden, so without the API the page is read-only.
(function () {
  "use strict";
  var root = document.getElementById("rules-editor");
  if (!root) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var text = $("rules-text"), gutter = $("rules-gutter"), fileSelect = $("rules-file");
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var routes = (root.dataset.api || "").split(" ").filter(Boolean);
  var base = "/api/v1/rules";
  var drafts = {}, pinned = [];
  // the files of the version the editor works on; replaced after a publish or a rollback, so switching
  // files never brings back a text that is no longer in force
  var published = {}, activeId = root.dataset.version === "" ? null : Number(root.dataset.version);
  Array.prototype.forEach.call(document.querySelectorAll("template[data-file]"), function (t) {
    published[t.dataset.file] = t.content.textContent;
  });
  var POLL_MS = 1000, POLL_ERRORS = 10;

  var zone = root.dataset.zone || undefined, names = JSON.parse(root.dataset.fields || "{}");
  // «06.12.2026 22:53» in the page's zone for an ISO 8601 time
  function localTime(iso) {
    if (!iso) { return "—"; }
    var parts = {};
    new Intl.DateTimeFormat("ru-RU", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.day + "." + parts.month + "." + parts.year + " " + parts.hour + ":" + parts.minute;
  }
  function fieldName(code) { return names[code] || code; }

  function has(path) { return routes.indexOf(base + path) !== -1 || routes.some(function (r) { return r.indexOf(base + path + "/") === 0; }); }
  function el(tag, content, cls) { var e = document.createElement(tag); if (content !== undefined) { e.textContent = content; } if (cls) { e.className = cls; } return e; }

  function call(method, path, body) { return send(method, base + path, body); }

  function send(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
    });
  }

  function drawGutter() {
    var lines = {}, count = text.value.split("\n").length;
    pinned.forEach(function (m) { if (m.line && m.file === fileSelect.value) { lines[m.line] = m.message; } });
    gutter.textContent = "";
    for (var i = 1; i <= count; i++) {
      var n = el("span", String(i), lines[i] ? "err" : "");
      n.style.display = "block";
      if (lines[i]) { n.title = lines[i]; }
      gutter.appendChild(n);
    }
    gutter.scrollTop = text.scrollTop;
  }

  function showFindings(list) {
    var box = $("rules-messages");
    pinned = Array.isArray(list) ? list : [];
    box.textContent = "";
    pinned.forEach(function (m) {
      box.appendChild(el("li", [m.file, m.line ? "строка " + m.line : null, m.rule].filter(Boolean).join(", ") +
        ": " + (m.message || m.text || JSON.stringify(m)), m.level === "warning" ? "warning" : "error"));
    });
    if (!pinned.length) { box.appendChild(el("li", "Замечаний нет.", "ok")); }
    drawGutter();
  }

  function result(title, node) {
    var box = $("rules-result");
    box.textContent = "";
    box.appendChild(el("h3", title));
    if (node) { box.appendChild(node); }
  }

  function table(headers, rows) {
    var t = el("table"), head = el("tr");
    headers.forEach(function (h) { head.appendChild(el("th", h)); });
    t.appendChild(head);
    rows.forEach(function (cells) {
      var tr = el("tr");
      cells.forEach(function (c) { tr.appendChild(el("td", c === null || c === undefined ? "—" : String(c))); });
      t.appendChild(tr);
    });
    return t;
  }

  function draft() { drafts[fileSelect.value] = text.value; return { files: Object.assign({}, drafts) }; }

  function onButton(id, path, handler) {
    var b = $(id);
    if (!b) { return; }
    if (!has(path)) { b.hidden = true; return; }
    b.addEventListener("click", function (e) { e.preventDefault(); b.disabled = true; handler().finally(function () { b.disabled = false; }); });
  }

  onButton("rules-validate", "/validate", function () {
    return call("POST", "/validate", draft()).then(function (a) {
      showFindings(a.data.findings);
      result(a.status === 200 ? "Проверка пройдена" : "Проверка не пройдена (" + a.status + ")");
    });
  });
  onButton("rules-test", "/test", function () {
    return call("POST", "/test", draft()).then(function (a) {
      showFindings(a.data.findings);
      var cases = a.data.cases || {};
      var rows = (cases.failed || []).map(function (c) { return [c.file, c.case, (c.failures || []).join("; ")]; });
      (cases.file_errors || []).forEach(function (e) { var at = e.indexOf(": "); rows.push([e.slice(0, at), "—", e.slice(at + 2)]); });
      result("Случаи: пройдено " + (cases.passed || 0) + ", не пройдено " + ((cases.failed || []).length) +
        ", ошибок в файлах случаев " + ((cases.file_errors || []).length), table(["Файл", "Случай", "Расхождения"], rows));
    });
  });

  // «обращение», «обращения», «обращений» for n
  function appealsWord(n) {
    var t = n % 100, u = n % 10;
    if (t >= 11 && t <= 14) { return "обращений"; }
    return u === 1 ? "обращение" : (u >= 2 && u <= 4 ? "обращения" : "обращений");
  }

  var lastSimulation = null;  // {report, id, drafts}: offered again after the same drafts are published

  function yesNo(value) { return value ? "да" : "нет"; }

  // What the report found changed, field by field in words, and the appeals that would be put on (or taken
  // off) the centre's control; then the examples.
  function simulationDetails(d) {
    var box = el("div"), rows = [], counts = d.changed_fields || {}, control = d.control_changed || { on: 0, off: 0 };
    var changed = Object.keys(counts).filter(function (k) { return counts[k]; }).map(function (k) { return fieldName(k) + " " + counts[k]; });
    if (changed.length) { box.appendChild(el("p", "Изменится: " + changed.join(", "))); }
    if (control.on || control.off) {
      var line = el("p", fieldName("control") + ": станут " + control.on + " " + appealsWord(control.on) +
        ", перестанут " + control.off + " " + appealsWord(control.off));
      line.id = "rules-simulation-control";
      box.appendChild(line);
    }
    (d.groups || []).forEach(function (g) {
      (g.examples || []).forEach(function (x) {
        var control = x.before.control === x.after.control ? "не меняется" : yesNo(x.before.control) + " → " + yesNo(x.after.control);
        rows.push([g.old_rule + " → " + g.new_rule, x.appeal, x.text, x.before.body + " → " + x.after.body, control]);
      });
    });
    box.appendChild(table(["Правило", "№", "Текст", "Орган", fieldName("control")], rows));
    return box;
  }

  function showSimulationReport(d, simulationId, keepResult) {
    var summary = "Симуляция: обращений " + d.appeals + ", изменится " + d.changed;
    if (keepResult) {
      $("rules-result").appendChild(el("h3", summary));
      $("rules-result").appendChild(simulationDetails(d));
    } else {
      result(summary, simulationDetails(d));
    }
    var path = "/simulations/" + simulationId + "/reroute";
    if (!d.changed || simulationId === undefined || !routes.some(function (r) { return /\/simulations\/<[^>]+>\/reroute$/.test(r); })) { return; }
    var box = $("rules-result"), button = el("button", "Перенаправить " + (appealsWord(d.changed) === "обращение" ? "это " : "эти ") + d.changed + " " + appealsWord(d.changed));
    button.type = "button";
    button.id = "rules-reroute";
    button.title = "Открытые из них будут направлены заново по действующим правилам; сначала опубликуйте эти правила";
    var said = el("p", "", "muted");
    said.id = "rules-reroute-result";
    button.addEventListener("click", function () {
      var reason = window.prompt("Почему обращения направляются заново");
      if (!reason) { return; }
      button.disabled = true;
      call("POST", path, { reason: reason }).then(function (a) {
        if (a.status === 200) {
          said.textContent = "Перенаправлено " + a.data.rerouted + " " + appealsWord(a.data.rerouted) +
            ", из них в другой орган или к другой роли: " + a.data.moved.length +
            "; закрытые и отвеченные не трогались.";
        } else {
          said.textContent = "Перенаправление отклонено: " + ((a.data.error || {}).message || a.status);
          button.disabled = false;
        }
      });
    });
    box.appendChild(button);
    box.appendChild(said);
  }

  function showSimulationState(s) {
    var box = $("rules-simulation");
    if (!box) { return; }
    var p = s.progress || {}, total = (p.total === null || p.total === undefined) ? "…" : p.total;
    var words = {
      queued: "в очереди, ждёт обработчика",
      running: "обработано " + (p.done || 0) + " из " + total,
      done: "завершена, обработано " + (p.done || 0),
      failed: "не выполнена"
    };
    box.textContent = "";
    box.hidden = false;
    box.appendChild(el("span", "Симуляция № " + s.id + ": " + (words[s.status] || s.status)));
    if (s.status === "running" && p.total) {
      var bar = el("progress");
      bar.max = p.total;
      bar.value = p.done || 0;
      box.appendChild(document.createTextNode(" "));
      box.appendChild(bar);
    }
  }

  // Reads the simulation every POLL_MS until it is done or failed; resolves then (or when it cannot be read).
  function followSimulation(url) {
    return new Promise(function (resolve) {
      var errors = 0;
      function look() {
        send("GET", url).then(function (a) {
          if (a.status !== 200) { result("Симуляция: ход не прочитан (" + ((a.data.error || {}).message || a.status) + ")"); resolve(); return; }
          errors = 0;
          showSimulationState(a.data);
          if (a.data.status === "done") {
            lastSimulation = { report: a.data.result || {}, id: a.data.id, drafts: simulatedDrafts };
            showSimulationReport(lastSimulation.report, lastSimulation.id);
            resolve();
          }
          else if (a.data.status === "failed") { result("Симуляция не выполнена: " + (a.data.error || "причина не указана")); resolve(); }
          else { window.setTimeout(look, POLL_MS); }
        }, function () {
          errors += 1;
          if (errors >= POLL_ERRORS) { result("Симуляция: сервер не отвечает, ход не прочитан"); resolve(); return; }
          window.setTimeout(look, POLL_MS * 2);
        });
      }
      look();
    });
  }

  var simulatedDrafts = null;
  onButton("rules-simulate", "/simulate", function () {
    var body = draft();
    simulatedDrafts = JSON.stringify(body.files);
    return call("POST", "/simulate", Object.assign(body, { since_days: 30 })).then(function (a) {
      if (a.status !== 202) { showFindings(a.data.findings || [{ message: (a.data.error || {}).message }]); result("Симуляция не выполнена"); return; }
      result("Симуляция запущена: отчёт появится здесь, когда обработчик её выполнит");
      showSimulationState(a.data);
      return followSimulation(a.data.url);
    });
  });

  var publish = $("rules-publish");
  if (publish && !has("/publish")) { publish.hidden = true; }
  if (publish && has("/publish")) {
    publish.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = draft();
      body.comment = $("rules-comment").value;
      body.based_on = activeId === null ? 0 : activeId;
      call("POST", "/publish", body).then(function (a) {
        if (a.status === 201) {
          showFindings([]);
          result("Опубликована версия " + a.data.version.id);
          $("rules-comment").value = "";
          if (lastSimulation && lastSimulation.drafts === JSON.stringify(body.files)) {
            // the simulated draft is in force now: its appeals can be re-routed from its report
            showSimulationReport(lastSimulation.report, lastSimulation.id, true);
          }
          becomeActive(a.data.version);
        } else {
          showFindings(a.data.findings || [{ message: (a.data.error || {}).message }]);
          result("Публикация отклонена: " + ((a.data.error || {}).message || a.status));
        }
      });
    });
  }

  // A value of a rule as text: a condition or an action written back as YAML-like lines
  function shownValue(value) {
    if (value === undefined || value === null) { return "—"; }
    if (typeof value !== "object") { return String(value); }
    return JSON.stringify(value, null, 1).replace(/[{}\[\]"]/g, "").replace(/,\n/g, "\n").replace(/\n\s*\n/g, "\n").trim();
  }

  // The difference of two versions: rules added, removed and changed (field by field), in Russian
  function showDiff(d, from, to) {
    var box = $("rules-diff");
    box.textContent = "";
    if (d.error) { box.appendChild(el("p", "Разница не получена: " + d.error.message, "error")); return; }
    box.appendChild(el("h4", "Разница версии № " + from + " с действующей № " + to));
    function section(title, items, line) {
      if (!items || !items.length) { return; }
      box.appendChild(el("h5", title + " (" + items.length + ")"));
      var ul = el("ul");
      items.forEach(function (x) { ul.appendChild(line(x)); });
      box.appendChild(ul);
    }
    function ruleLine(x) {
      var li = el("li");
      li.appendChild(el("strong", x.rule));
      li.appendChild(document.createTextNode(" (" + x.file + ")" + (x.definition && x.definition.description ? ": " + x.definition.description : "")));
      return li;
    }
    section("Добавлены правила", d.added, ruleLine);
    section("Удалены правила", d.removed, ruleLine);
    section("Изменены правила", d.changed, function (x) {
      var li = ruleLine(x), t = table(["Поле", "Было", "Стало"], (x.fields || []).map(function (f) {
        return [fieldName(f), shownValue((x.before || {})[f]), shownValue((x.after || {})[f])];
      }));
      li.appendChild(t);
      return li;
    });
    section("Перенесены в другой файл", d.moved, function (x) { return el("li", x.rule + ": " + x.from + " → " + x.to); });
    section("Изменён порядок правил в файлах", d.reordered_files, function (x) { return el("li", x); });
    section("Изменены другие файлы (справочник, календари, сроки…)", d.other_files_changed, function (x) { return el("li", x); });
    if (!box.querySelector("h5")) { box.appendChild(el("p", "Правила не различаются.", "muted")); }
  }

  function loadVersions() {
    var list = $("rules-versions");
    if (!list || !has("/versions")) { return; }
    call("GET", "/versions").then(function (a) {
      var items = a.data.items || [], active = items.find(function (v) { return v.active; });
      list.textContent = "";
      items.forEach(function (v) {
        var li = el("li", "№ " + v.id + " · " + localTime(v.created_at) + " · " + (v.author_name || "") + " · " + (v.comment || "") + (v.active ? " · действует" : ""));
        li.dataset.version = v.id;
        if (active && !v.active && has("/diff")) {
          var diff = el("button", "Разница с действующей", "link");
          diff.type = "button";
          diff.addEventListener("click", function () {
            call("GET", "/diff?from=" + v.id + "&to=" + active.id).then(function (d) { showDiff(d.data, v.id, active.id); });
          });
          li.appendChild(document.createTextNode(" "));
          li.appendChild(diff);
        }
        if (!v.active && has("/rollback")) {
          var back = el("button", "Вернуть эту версию", "link");
          back.type = "button";
          back.addEventListener("click", function () {
            var reason = window.prompt("Причина отката");
            if (!reason) { return; }
            call("POST", "/rollback", { version: v.id, reason: reason }).then(function (r) {
              if (r.status === 200) {
                result("Возвращена версия " + v.id);
                becomeActive(r.data.version);
              } else {
                result("Откат отклонён: " + ((r.data.error || {}).message || r.status));
                loadVersions();
              }
            });
          });
          li.appendChild(document.createTextNode(" "));
          li.appendChild(back);
        }
        list.appendChild(li);
      });
    });
    if (has("/history")) {
      call("GET", "/history").then(function (a) {
        var list2 = $("rules-history");
        list2.textContent = "";
        (a.data.items || []).forEach(function (h) { list2.appendChild(el("li", localTime(h.at) + " · " + (h.action_title || h.action) + ", версия № " + h.version + " · " + (h.actor_name || h.actor) + (h.reason ? " · " + h.reason : ""))); });
      });
    }
  }

  // A version became active (published here or rolled back to): its files replace the editor's, edits
  // are dropped, the label shows its rules version, and the next publish is based on it.
  function becomeActive(version) {
    activeId = version.id;
    $("active-version").textContent = version.rules_version;
    if ($("active-number")) { $("active-number").textContent = String(version.id); }
    root.dataset.version = String(version.id);
    drafts = {};
    loadVersions();
    return send("GET", base + "/versions/" + version.id).then(function (a) {
      if (a.status !== 200 || !a.data.files) { return; }
      published = {};
      Object.keys(a.data.files).forEach(function (name) {
        if (/\.ya?ml$/.test(name)) { published[name] = a.data.files[name]; }
      });
      var current = fileSelect.value;
      fileSelect.textContent = "";
      Object.keys(published).sort().forEach(function (name) { fileSelect.appendChild(el("option", name)); });
      fileSelect.value = published[current] !== undefined ? current : (fileSelect.options[0] || {}).value;
      showFile();
      root.dataset.loaded = String(version.id);
    });
  }

  function showFile() {
    var name = fileSelect.value;
    text.value = drafts[name] !== undefined ? drafts[name] : (published[name] !== undefined ? published[name] : "");
    drawGutter();
  }

  fileSelect.addEventListener("change", showFile);
  text.addEventListener("input", function () { drafts[fileSelect.value] = text.value; drawGutter(); });
  text.addEventListener("scroll", function () { gutter.scrollTop = text.scrollTop; });
  drawGutter();
  loadVersions();
})();
