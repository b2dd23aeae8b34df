// Offline entry for the grid member's phone (docs/offline.md).
//
// A form marked data-offline, submitted while the phone has no connection, is kept on the phone in
// IndexedDB ("the outbox") with its command id and the moment it was entered, instead of being lost.
// When the connection returns (or the next page opens online) each kept form is sent as it was, with
// entered_at: the server records that moment as the command's business time, marked as entered
// offline, and the command id makes a form sent twice (a response lost on the way) take effect once.
// The outbox belongs to the person who filled it in: another person signed in on the phone neither
// sees nor sends it. No build step and no library: this file is served as it is.
(function () {
  "use strict";
  var DB = "fengqiao-offline", STORE = "outbox", SKEW = "fengqiao.clock-skew";
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
          return tx("readwrite", function (s) { s.put(entry); });
        }
        // Signed out, refused for now, or the server is down: kept, and tried again later.
      },
      function () { /* still no connection: kept */ }
    );
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
        form.reset();
        say(box.dataset.keptNow);
        return render();
      });
    });
  });
  window.addEventListener("online", flush);
  render().then(flush);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/offline-worker.js", { scope: "/app/" }).catch(function () {});
  }
})();
