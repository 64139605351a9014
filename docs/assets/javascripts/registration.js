/* The site's one script, on every page: the MkDocs pages load it (extra_javascript), the function's own pages
   (templates/_page.html) by its stable path /assets/javascripts/registration.js. On every page:
   - an error summary shown with the page (autofocus) has the focus, also where a browser ignores autofocus on
     an element that is not a field; its links move the focus to their field and show the field's label;
   - on every form with the organisation fields (the registration form, the personal page's change form), the
     organisation name field shows only for "Een andere organisatie" (without JavaScript it is always shown).
   The registration form, enhanced. Without this script the form posts itself and the API answers with a
   redirect or an error page, so everything works without JavaScript. With it:
   - registration is checked against the form's meeting (/api/bijeenkomsten/<id>, the id in the form's
     data-meeting), so a page built while it was open still closes on time;
   - the form is sent as JSON; the API's Dutch messages appear inline and in an error summary that gets focus;
   - the button is disabled while sending;
   - nothing typed is ever lost: on a network failure, a 503 or a 409 the fields keep their values.
   Every Dutch text comes from the API or from the form's data-texts (templates/_form.html). */
(function () {
  "use strict";

  var OTHER_ORGANISATION = "anders";

  var shownSummary = document.querySelector(".reg-summary[autofocus]:not([hidden])");
  if (shownSummary && (!document.activeElement || document.activeElement === document.body)) {
    shownSummary.focus();
  }

  /* A link in a summary moves the focus to its field and shows the field's label, too. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".reg-summary a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    var label = document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });

  /* Shows the organisation name field only when it is needed (or has an error); returns the update. */
  function conditionalOtherField(someForm) {
    var organisation = someForm.elements.organisation;
    var otherInput = someForm.elements.organisation_other;
    var otherField = document.getElementById("organisation_other-field");
    if (!organisation || !otherInput || !otherField) {
      return function () {};
    }
    someForm.classList.add("reg-js");
    function update() {
      var needed = organisation.value === OTHER_ORGANISATION || otherInput.getAttribute("aria-invalid") === "true";
      otherField.hidden = !needed;
    }
    organisation.addEventListener("change", update);
    update();
    return update;
  }
  Array.prototype.forEach.call(document.querySelectorAll("form.reg-form"), function (someForm) {
    if (someForm.id !== "registration-form") {
      conditionalOtherField(someForm);
    }
  });

  var form = document.getElementById("registration-form");
  if (!form || !window.fetch || !window.JSON) {
    return;
  }
  var texts = JSON.parse(form.getAttribute("data-texts"));
  var openBlock = document.getElementById("registration-open");
  var closedBlock = document.getElementById("registration-closed");
  var summary = document.getElementById("registration-summary");
  var summaryTitle = document.getElementById("registration-summary-title");
  var summaryMessage = document.getElementById("registration-summary-message");
  var summaryList = document.getElementById("registration-summary-list");
  var status = document.getElementById("registration-status");
  var button = form.querySelector("button[type=submit]");
  var buttonLabel = button.textContent;
  var sending = false;
  var SEND_TIMEOUT_MS = 20000;

  form.classList.add("reg-js");
  var updateOtherField = conditionalOtherField(form);

  /* Open or closed: the API decides; the state of the build stays when the API cannot be asked. */
  function showOpen(isOpen) {
    if (openBlock && closedBlock) {
      openBlock.hidden = !isOpen;
      closedBlock.hidden = isOpen;
    }
  }
  /* The meeting of this form (data-meeting); a form without one (a page cached from before) is the letter's. */
  var meetingId = form.getAttribute("data-meeting");
  var factsUrl = meetingId ? "/api/bijeenkomsten/" + encodeURIComponent(meetingId) : "/api/event";
  fetch(factsUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (body) {
      if (body && body.registration && typeof body.registration.open === "boolean") {
        showOpen(body.registration.open);
      }
    })
    .catch(function () { /* keep the build-time state */ });

  function values() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.disabled) {
        return;
      }
      if (element.type === "checkbox") {
        if (element.checked) {
          data[element.name] = element.value;
        }
      } else {
        data[element.name] = element.value;
      }
    });
    return data;
  }

  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".reg-error"), function (message) {
      message.hidden = true;
      message.textContent = "";
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (field) {
      field.removeAttribute("aria-invalid");
    });
    Array.prototype.forEach.call(form.querySelectorAll(".reg-field--error"), function (field) {
      field.classList.remove("reg-field--error");
    });
    summaryList.textContent = "";
    summaryList.hidden = true;
  }

  function showFieldError(name, text) {
    var field = document.getElementById(name);
    var message = document.getElementById(name + "-error");
    if (!field || !message) {
      return false;
    }
    var prefix = document.createElement("span");
    prefix.className = "reg-visually-hidden";
    prefix.textContent = texts.error_prefix;
    message.textContent = "";
    message.appendChild(prefix);
    message.appendChild(document.createTextNode(text));
    message.hidden = false;
    field.setAttribute("aria-invalid", "true");
    var wrapper = field.closest(".reg-field");
    if (wrapper) {
      wrapper.classList.add("reg-field--error");
    }
    return true;
  }

  function showSummary(title, message) {
    summaryTitle.textContent = title;
    summaryMessage.textContent = message;
    summary.hidden = false;
    summary.focus();
  }

  function showFieldErrors(error) {
    clearErrors();
    var names = Object.keys(error.fields);
    names.forEach(function (name) {
      var linked = showFieldError(name, error.fields[name]);
      var item = document.createElement("li");
      if (linked) {
        var link = document.createElement("a");
        link.href = "#" + name;
        link.textContent = error.fields[name];
        item.appendChild(link);
      } else {
        item.textContent = error.fields[name];
      }
      summaryList.appendChild(item);
    });
    summaryList.hidden = false;
    updateOtherField();
    var title = names.length === 1
      ? texts.titles.invalid_one
      : texts.titles.invalid_many.replace("{n}", String(names.length));
    showSummary(title, error.message || "");
  }

  function showProblem(code, message) {
    clearErrors();
    showSummary(texts.titles[code] || texts.titles["default"], message);
  }

  function setSending(isSending) {
    sending = isSending;
    button.disabled = isSending;
    button.textContent = isSending ? texts.sending : buttonLabel;
    form.setAttribute("aria-busy", isSending ? "true" : "false");
    status.textContent = isSending ? texts.sending : "";
  }

  function send(data) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, SEND_TIMEOUT_MS) : null;
    return fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(data),
      signal: controller ? controller.signal : undefined
    }).finally(function () {
      if (timer) {
        window.clearTimeout(timer);
      }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) {
      return;
    }
    setSending(true);
    send(values())
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          return { response: response, body: body };
        });
      })
      .then(function (answer) {
        if (answer.response.ok) {
          status.textContent = texts.sent;
          // The confirmation email is sent after the answer; the page says when to expect it, and what if not.
          window.location.assign(form.getAttribute("data-confirmation"));
          return;
        }
        setSending(false);
        var error = answer.body && answer.body.error;
        if (error && error.fields && Object.keys(error.fields).length) {
          showFieldErrors(error);
        } else if (error && error.message) {
          showProblem(error.code, error.message);
        } else {
          showProblem("default", texts.unexpected);
        }
      })
      .catch(function () {
        setSending(false);
        showProblem("network", texts.network);
      });
  });
})();
