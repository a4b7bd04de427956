// Passkeys: the browser's part of WebAuthn, the one thing in Zona that needs JavaScript.
// Forms marked data-passkey-add (on "Seguridad de la cuenta") and data-passkey-login (on
// the sign-in page and the second step) stay hidden unless this browser can use passkeys.
// The server's options come as JSON with base64url binary fields; the answers go back the
// same way, with the form's CSRF token in the X-CSRF-Token header.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  function toBytes(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  function toB64u(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(form, url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRF-Token": form.querySelector("input[name=_csrf]").value,
      },
      body: body === undefined ? "{}" : JSON.stringify(body),
    }).then(function (res) {
      return res.json().then(function (data) {
        if (!res.ok) {
          var err = new Error(data.message || "");
          err.server = true;
          throw err;
        }
        return data;
      });
    });
  }

  function fail(form, err) {
    var msg = form.querySelector("[data-passkey-message]");
    // The browser's own errors (a cancelled prompt) are in its language, not the page's.
    msg.textContent = (err && err.server && err.message) || msg.getAttribute("data-default");
    form.querySelector("button").disabled = false;
  }

  function done(data) {
    window.location.assign(data.redirect);
  }

  function credentialIDs(list) {
    (list || []).forEach(function (c) {
      c.id = toBytes(c.id);
    });
  }

  function register(form) {
    post(form, "/security/passkeys/new")
      .then(function (options) {
        var pk = options.publicKey;
        pk.challenge = toBytes(pk.challenge);
        pk.user.id = toBytes(pk.user.id);
        credentialIDs(pk.excludeCredentials);
        return navigator.credentials.create({ publicKey: pk });
      })
      .then(function (cred) {
        return post(form, "/security/passkeys", {
          name: form.querySelector("input[name=name]").value,
          credential: {
            id: cred.id,
            rawId: toB64u(cred.rawId),
            type: cred.type,
            response: {
              attestationObject: toB64u(cred.response.attestationObject),
              clientDataJSON: toB64u(cred.response.clientDataJSON),
              transports: cred.response.getTransports ? cred.response.getTransports() : [],
            },
            clientExtensionResults: cred.getClientExtensionResults(),
          },
        });
      })
      .then(done)
      .catch(function (err) {
        fail(form, err);
      });
  }

  function signIn(form) {
    post(form, "/login/passkey/begin")
      .then(function (options) {
        var pk = options.publicKey;
        pk.challenge = toBytes(pk.challenge);
        credentialIDs(pk.allowCredentials);
        return navigator.credentials.get({ publicKey: pk });
      })
      .then(function (cred) {
        return post(form, "/login/passkey", {
          id: cred.id,
          rawId: toB64u(cred.rawId),
          type: cred.type,
          response: {
            authenticatorData: toB64u(cred.response.authenticatorData),
            clientDataJSON: toB64u(cred.response.clientDataJSON),
            signature: toB64u(cred.response.signature),
            userHandle: cred.response.userHandle ? toB64u(cred.response.userHandle) : "",
          },
          clientExtensionResults: cred.getClientExtensionResults(),
        });
      })
      .then(done)
      .catch(function (err) {
        fail(form, err);
      });
  }

  function wire(selector, run) {
    document.querySelectorAll(selector).forEach(function (form) {
      if (form.dataset.wired) {
        return;
      }
      form.dataset.wired = "1";
      form.hidden = false;
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        form.querySelector("button").disabled = true;
        form.querySelector("[data-passkey-message]").textContent = "";
        run(form);
      });
    });
  }

  function start() {
    wire("form[data-passkey-add]", register);
    wire("form[data-passkey-login]", signIn);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
