// Attach files to a post: pick them, drop them on the text box or paste a screenshot.
// Each file goes to POST /uploads/ on its own, with a progress bar; the Markdown that shows
// it (an image, or a link with name and size) is inserted where the cursor was.
(function () {
  "use strict";
  if (window.stoaUploads) return; // the script may be included by more than one composer
  window.stoaUploads = true;

  function csrfToken(form) {
    const input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function insertAtCursor(textarea, text) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    const lead = before && !before.endsWith("\n") ? "\n" : "";
    const trail = after.startsWith("\n") ? "" : "\n";
    textarea.setRangeText(lead + text + trail, start, end, "end");
    // The live preview (htmx) listens for input.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function setup(bar) {
    const textarea = document.getElementById(bar.dataset.target);
    if (!textarea) return;
    const form = textarea.form;
    const list = bar.querySelector("[data-upload-list]");
    const input = bar.querySelector("[data-upload-input]");
    let pending = 0;
    bar.hidden = false;

    function row(file) {
      const item = document.createElement("li");
      item.className = "upload-item is-sending";
      const name = document.createElement("span");
      name.className = "upload-name";
      name.textContent = file.name || "pasted image";
      const progress = document.createElement("progress");
      progress.max = 100;
      progress.value = 0;
      progress.setAttribute("aria-label", "Uploading " + name.textContent);
      const status = document.createElement("span");
      status.className = "upload-status";
      status.textContent = "Uploading…";
      item.append(name, progress, status);
      list.append(item);
      return { item, progress, status };
    }

    function finish(view, ok, message) {
      pending -= 1;
      view.item.classList.remove("is-sending");
      view.item.classList.add(ok ? "is-done" : "is-error");
      view.status.textContent = message;
      if (ok) {
        view.progress.value = 100;
        return;
      }
      view.progress.remove();
      view.status.setAttribute("role", "alert");
      const dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "button-ghost button-small upload-dismiss";
      dismiss.textContent = "Dismiss";
      dismiss.addEventListener("click", function () {
        view.item.remove();
      });
      view.item.append(dismiss);
    }

    function send(file) {
      const view = row(file);
      pending += 1;
      const data = new FormData();
      data.append("file", file, file.name || "pasted-image.png");
      const request = new XMLHttpRequest();
      request.open("POST", bar.dataset.uploadUrl);
      request.setRequestHeader("X-CSRFToken", csrfToken(form));
      request.setRequestHeader("Accept", "application/json");
      request.responseType = "json";
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          view.progress.value = Math.min(99, Math.round((event.loaded / event.total) * 100));
        }
      });
      request.addEventListener("load", function () {
        const body = request.response || {};
        if (request.status === 201 && body.markdown) {
          insertAtCursor(textarea, body.markdown);
          if (body.kind === "image") {
            const thumb = document.createElement("img");
            thumb.className = "upload-thumb";
            thumb.alt = "";
            thumb.src = body.url + "?size=thumb";
            view.item.prepend(thumb);
          }
          finish(view, true, body.kind === "image" ? "Added" : "Added (" + body.size_label + ")");
        } else if (body.error) {
          finish(view, false, body.error);
        } else if (request.status === 403) {
          finish(view, false, "The upload was refused: reload the page and try again.");
        } else {
          finish(view, false, "The upload failed (error " + request.status + "). Try again.");
        }
      });
      request.addEventListener("error", function () {
        finish(view, false, "The upload failed: check your connection and try again.");
      });
      request.send(data);
    }

    function sendAll(files) {
      Array.from(files || []).forEach(send);
    }

    input.addEventListener("change", function () {
      sendAll(input.files);
      input.value = "";
    });

    textarea.addEventListener("paste", function (event) {
      const files = event.clipboardData && event.clipboardData.files;
      if (files && files.length) {
        event.preventDefault();
        sendAll(files);
      }
    });

    [textarea, bar].forEach(function (zone) {
      zone.addEventListener("dragover", function (event) {
        if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) {
          event.preventDefault();
          textarea.classList.add("is-drop-target");
        }
      });
      zone.addEventListener("dragleave", function () {
        textarea.classList.remove("is-drop-target");
      });
      zone.addEventListener("drop", function (event) {
        textarea.classList.remove("is-drop-target");
        if (event.dataTransfer && event.dataTransfer.files.length) {
          event.preventDefault();
          sendAll(event.dataTransfer.files);
        }
      });
    });

    // Posting before a file has arrived would lose it: wait, and say so.
    if (form) {
      form.addEventListener("submit", function (event) {
        if (pending > 0) {
          event.preventDefault();
          event.stopPropagation();
          const note = document.createElement("li");
          note.className = "upload-item is-error";
          note.setAttribute("role", "alert");
          note.textContent = "Wait until your files have finished uploading, then post.";
          list.append(note);
          setTimeout(function () {
            note.remove();
          }, 4000);
        }
      });
    }
  }

  function init() {
    document.querySelectorAll("[data-uploads]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
