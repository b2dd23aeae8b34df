// Offline entry for the grid member's phone (docs/offline.md).
//
// A form marked data-offline, submitted while the phone has no connection, is kept on the phone in
// IndexedDB ("the outbox") with its command id and the moment it was entered, instead of being lost.
// When the connection returns (or the next page opens online) each kept form is sent as it was, with
// entered_at: the server records that moment as the command's business time, marked as entered
// offline, and the command id makes a form sent twice (a response lost on the way) take effect once.
// The outbox belongs to the person who filled it in: another person signed in on the phone neither
// sees nor sends it. A kept form the server refuses when it is sent (a value wrong, the case moved
// on) stays in the outbox with the server's reasons; "Fill in again" opens its page with the form
// filled in as it was kept and each reason beside its field, so that nothing typed is lost.
// No build step and no library: this file is served as it is.
(function () {
  "use strict";
  var DB = "fengqiao-offline", STORE = "outbox", SKEW = "fengqiao.clock-skew";
  var RESTORE = "fengqiao.restore", SENT_AGAIN = "fengqiao.sent-again";
  var root = document.documentElement;
  var person = root.dataset.person || "";
  var box = document.getElementById("outbox");
  if (!window.indexedDB || !box || !person) return;

  // The phone's clock may be wrong: the server's time at the last page loaded online, against the
  // phone's, gives the difference to add to the phone's clock when a form is entered offline.
  var serverNow = Date.parse(root.dataset.serverNow || "");
  if (navigator.onLine && !isNaN(serverNow)) {
    localStorage.setItem(SKEW, String(serverNow - Date.now()));
  }
  function enteredAt() {
    var skew = Number(localStorage.getItem(SKEW) || "0");
    return new Date(Date.now() + skew).toISOString();
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "command_id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), result;
        t.oncomplete = function () { db.close(); resolve(result); };
        t.onerror = function () { db.close(); reject(t.error); };
        result = work(t.objectStore(STORE));
      });
    });
  }
  function all() {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var request = db.transaction(STORE).objectStore(STORE).getAll();
        request.onsuccess = function () {
          db.close();
          resolve(request.result.filter(function (e) { return e.person === person; }));
        };
        request.onerror = function () { db.close(); reject(request.error); };
      });
    });
  }

  function say(text, kind) {
    var line = document.createElement("p");
    line.className = kind || "notice";
    line.setAttribute("role", "status");
    line.textContent = text;
    box.appendChild(line);
    box.hidden = false;
    return line;
  }
  function render() {
    return all().then(function (kept) {
      box.querySelectorAll("[data-kept]").forEach(function (n) { n.remove(); });
      var waiting = kept.filter(function (e) { return !e.refused; });
      if (waiting.length) {
        say(box.dataset.waiting.replace("%(count)s", String(waiting.length))).dataset.kept = "";
      }
      kept.filter(function (e) { return e.refused; }).forEach(function (e) {
        var line = say(box.dataset.refused.replace("%(what)s", e.title), "problem");
        line.dataset.kept = "";
        (e.problems && e.problems.form || []).forEach(function (text) {
          line.appendChild(document.createTextNode(" " + text));
        });
        if (e.page) {
          var again = document.createElement("button");
          again.type = "button";
          again.textContent = box.dataset.again;
          again.onclick = function () {
            sessionStorage.setItem(RESTORE, e.command_id);
            location.assign(e.page);
          };
          line.appendChild(document.createTextNode(" "));
          line.appendChild(again);
        }
        var discard = document.createElement("button");
        discard.type = "button";
        discard.textContent = box.dataset.discard;
        discard.onclick = function () {
          tx("readwrite", function (s) { s.delete(e.command_id); }).then(render);
        };
        line.appendChild(document.createTextNode(" "));
        line.appendChild(discard);
      });
      if (!box.querySelector("p")) box.hidden = true;
    });
  }

  function freshId() {
    return crypto.randomUUID().replace(/-/g, "");
  }

  function keep(form) {
    // A fresh command id for each form kept: a page opened offline is the worker's copy, whose
    // ids an earlier kept form may already carry. Once kept, the id is fixed, so that sending it
    // twice takes effect once.
    var commandId = freshId();
    var fields = [["command_id", commandId]];
    new FormData(form).forEach(function (value, name) {
      if (name === "command_id") return;
      if (value instanceof File && !value.name) return; // no file chosen
      fields.push([name, value]);
    });
    var title = (form.querySelector("[data-offline-title]") || {}).value || form.dataset.offline;
    var entry = {
      command_id: commandId,
      person: person,
      action: form.action,
      fields: fields,
      entered_at: enteredAt(),
      title: title.slice(0, 80),
      page: location.pathname + location.search,
      refused: false,
    };
    return tx("readwrite", function (s) { s.put(entry); });
  }

  function send(entry) {
    var body = new FormData();
    var csrf = document.querySelector("input[name=csrf]");
    entry.fields.forEach(function (pair) {
      if (pair[0] === "csrf" && csrf) return;
      body.append(pair[0], pair[1]);
    });
    if (csrf) body.append("csrf", csrf.value); // the session's token now, should it have changed
    body.append("entered_at", entry.entered_at);
    return fetch(entry.action, { method: "POST", body: body, credentials: "same-origin" }).then(
      function (answer) {
        if (answer.ok && answer.redirected) {
          return tx("readwrite", function (s) { s.delete(entry.command_id); }).then(function () {
            var line = say(box.dataset.sent.replace("%(what)s", entry.title));
            var link = document.createElement("a");
            link.href = answer.url;
            link.textContent = box.dataset.open;
            line.appendChild(document.createTextNode(" "));
            line.appendChild(link);
          });
        }
        if (answer.status === 422 || answer.status === 404 || answer.status === 409) {
          entry.refused = true; // the form as filled in cannot be recorded: the person decides
          return answer.text().then(function (html) {
            entry.problems = problemsIn(html);
            return tx("readwrite", function (s) { s.put(entry); });
          });
        }
        // Signed out, refused for now, or the server is down: kept, and tried again later.
      },
      function () { /* still no connection: kept */ }
    );
  }

  // The reasons a refused page gives, as the workbench renders them (web/templates/_field.html):
  // by field, and for the form as a whole.
  function problemsIn(html) {
    var found = { fields: {}, form: [] };
    var doc = new DOMParser().parseFromString(html, "text/html");
    doc.querySelectorAll("main .problem").forEach(function (p) {
      var text = p.textContent.trim();
      if (!text) return;
      if (p.id && /-problem$/.test(p.id)) found.fields[p.id.slice(0, -8)] = text;
      else found.form.push(text);
    });
    return found;
  }

  // A refused form, filled in again on its page as it was kept, its reasons beside the fields.
  // Sent from the page, it is a new command, recorded as of when it is sent; the kept copy goes
  // once it is.
  function restore() {
    var id = sessionStorage.getItem(RESTORE);
    if (!id) return Promise.resolve();
    sessionStorage.removeItem(RESTORE);
    return all().then(function (kept) {
      var entry = kept.filter(function (e) { return e.command_id === id; })[0];
      if (!entry) return;
      var form = Array.prototype.filter.call(document.querySelectorAll("form[data-offline]"), function (f) {
        return f.action === entry.action && sameHidden(f, entry);
      })[0];
      if (!form) {
        say(box.dataset.notReopened.replace("%(what)s", entry.title), "problem");
        return;
      }
      var values = {};
      entry.fields.forEach(function (pair) {
        if (pair[0] === "command_id" || pair[0] === "csrf") return;
        (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
      });
      Object.keys(values).forEach(function (name) {
        var inputs = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
        var texts = values[name].filter(function (v) { return typeof v === "string"; });
        var files = values[name].filter(function (v) { return v instanceof File; });
        var i = 0;
        inputs.forEach(function (input) {
          if (input.type === "checkbox" || input.type === "radio") {
            input.checked = texts.indexOf(input.value) !== -1;
          } else if (input.type === "file") {
            if (!files.length || !window.DataTransfer) return; // the photo kept with the form
            var chosen = new DataTransfer();
            files.forEach(function (file) { chosen.items.add(file); });
            input.files = chosen.files;
          } else if (input.type !== "hidden" && i < texts.length) {
            input.value = texts[i++];
          }
        });
      });
      var fields = (entry.problems && entry.problems.fields) || {};
      var unplaced = [];
      Object.keys(fields).forEach(function (name) {
        // A list posts its items under the singular ("parties" are posted as "party").
        var input = form.querySelector('[name="' + CSS.escape(name) + '"]') ||
          form.querySelector('[name="' + CSS.escape(name.replace(/ies$/, "y").replace(/s$/, "")) + '"]');
        if (document.getElementById(name + "-problem")) return;
        if (!input || input.type === "hidden") {
          unplaced.push(fields[name]);
          return;
        }
        var problem = document.createElement("p");
        problem.className = "problem";
        problem.id = name + "-problem";
        problem.setAttribute("role", "alert");
        problem.textContent = fields[name];
        (input.closest("label, fieldset") || input).after(problem);
      });
      var notice = say(box.dataset.filledAgain.replace("%(what)s", entry.title));
      unplaced.forEach(function (text) { notice.appendChild(document.createTextNode(" " + text)); });
      form.dataset.restored = entry.command_id;
      form.addEventListener("formdata", function () {
        // The form really leaves for the server (after its photo's upload, if it has one): the
        // page it comes back as decides whether the refused copy is done with (finishForgetting).
        if (navigator.onLine) sessionStorage.setItem(SENT_AGAIN, entry.command_id);
      });
    });
  }
  function forget(id) {
    return tx("readwrite", function (s) { s.delete(id); });
  }
  // The page after a refused form was sent again: recorded (no reason on the page), the kept copy
  // goes; refused once more, the page shows the form as sent with its reasons, and the copy stays
  // in the outbox, to fill in again or discard.
  // Left for the next page until the delete has completed: a page left at once (the case's page
  // after its redirect) may not finish it.
  function finishForgetting() {
    var id = sessionStorage.getItem(SENT_AGAIN);
    if (!id) return Promise.resolve();
    if (document.querySelector("main .problem[role=alert]")) {
      sessionStorage.removeItem(SENT_AGAIN);
      return Promise.resolve();
    }
    return forget(id).then(function () { sessionStorage.removeItem(SENT_AGAIN); });
  }
  function sameHidden(form, entry) {
    var kept = {};
    entry.fields.forEach(function (pair) { kept[pair[0]] = pair[1]; });
    return Array.prototype.every.call(form.querySelectorAll('input[type="hidden"][name]'), function (input) {
      var name = input.name;
      return name === "csrf" || name === "command_id" || name === "photo_upload" || kept[name] === input.value;
    });
  }

  var sending = false;
  function flush() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    return all()
      .then(function (kept) {
        return kept.filter(function (e) { return !e.refused; }).reduce(function (done, entry) {
          return done.then(function () { return send(entry); });
        }, Promise.resolve());
      })
      .then(render, render)
      .then(function () { sending = false; }, function () { sending = false; });
  }

  document.querySelectorAll("form[data-offline]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) return; // sent as usual
      event.preventDefault();
      if (!form.reportValidity()) return;
      keep(form).then(function () {
        if (form.dataset.restored) forget(form.dataset.restored);
        form.reset();
        say(box.dataset.keptNow);
        return render();
      });
    });
  });
  window.addEventListener("online", flush);
  finishForgetting().then(restore).then(render).then(function () {
    root.dataset.outbox = "ready"; // the outbox read and shown (the browser tests wait for it)
    return flush();
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/offline-worker.js", { scope: "/app/" }).catch(function () {});
  }
})();
