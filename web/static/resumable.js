/* The attachments form and the dispute report's photo, enhanced for phones on weak links: the chosen file is sent first through tus
   (/uploads, api/routes/uploads.py) in chunks, retried with growing pauses when the connection drops and
   resumed from the offset the server holds; then the form is posted with the upload's id in `upload`
   instead of the file. Without JavaScript (or without tus support) the form posts the file itself.
   The texts come translated from the form's data-text-* attributes. No build step: plain ES5. */
(function () {
  "use strict";

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return name in values ? values[name] : whole;
    });
  }

  function enhance(form) {
    // The file field and the field its upload's id goes in: `file` and `upload` on the attachments
    // form, `photo` and `photo_upload` on the dispute report (data-file-field, data-upload-field).
    var input = form.querySelector('input[type="file"][name="' + (form.dataset.fileField || "file") + '"]');
    var field = form.querySelector('input[name="' + (form.dataset.uploadField || "upload") + '"]');
    var status = form.querySelector("[data-upload-status]");
    var bar = form.querySelector("[data-upload-progress]");
    var button = form.querySelector('button[type="submit"]');
    var csrf = form.querySelector('input[name="csrf"]');
    var texts = form.dataset;
    var sending = null;
    if (!input || !field || !window.tus || !window.tus.isSupported || form.dataset.enhanced) {
      return;
    }
    form.dataset.enhanced = "tus"; // once, however often this script is included

    function show(text) {
      status.textContent = text;
    }

    form.addEventListener("submit", function (event) {
      var file = input.files && input.files[0];
      if (field.value || !file) {
        return; // the upload is done (or no file: the browser and the server say what is missing)
      }
      if (form.dataset.offline !== undefined && !navigator.onLine) {
        return; // no connection: web/static/offline.js keeps the form, the file with it, on the phone
      }
      event.preventDefault();
      if (sending) {
        return;
      }
      button.disabled = true;
      bar.hidden = false;
      sending = new window.tus.Upload(file, {
        endpoint: form.dataset.resumable,
        chunkSize: Number(form.dataset.chunk) || 262144,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000, 60000, 60000],
        metadata: { filename: file.name, filetype: file.type || "" },
        headers: { "X-CSRF-Token": csrf ? csrf.value : "" },
        removeFingerprintOnSuccess: true,
        onProgress: function (sent, total) {
          var percent = total ? Math.floor((sent * 100) / total) : 0;
          bar.value = percent;
          show(
            say(texts.textSending, {
              percent: percent,
              sent: Math.round(sent / 1024),
              total: Math.round(total / 1024),
            })
          );
        },
        onShouldRetry: function (error, attempt, options) {
          var status = error.originalResponse ? error.originalResponse.getStatus() : 0;
          var again = status === 0 || status === 409 || status === 423 || status >= 500;
          if (again) {
            show(texts.textRetrying);
          }
          return again;
        },
        onError: function () {
          show(texts.textFailed);
          button.disabled = false;
          sending = null;
        },
        onSuccess: function () {
          show(texts.textAttaching);
          bar.value = 100;
          field.value = sending.url.split("/").pop();
          input.disabled = true; // not sent again with the form
          form.submit();
        },
      });
      var upload = sending;
      upload
        .findPreviousUploads()
        .catch(function () {
          return []; // no local storage: the upload begins afresh
        })
        .then(function (previous) {
          if (previous.length) {
            upload.resumeFromPreviousUpload(previous[0]); // the same file chosen again: go on
          }
          upload.start();
        });
    });
  }

  var forms = document.querySelectorAll("form[data-resumable]");
  for (var i = 0; i < forms.length; i++) {
    enhance(forms[i]);
  }
})();
