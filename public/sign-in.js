// The sign-in form, signing in without leaving the page: a refusal then shows beside the password
// and the username stays typed. Without this script the form still works (a plain post that comes
// back as /sign-in?refused). The sign-in page loads no wasm (app/src/shell.rs, `page_loads_wasm`),
// which is why this one enhancement is plain JavaScript.
"use strict";
(() => {
  const form = document.getElementById("sign-in-form");
  const password = document.getElementById("password");
  const error = document.getElementById("sign-in-error");
  const button = form?.querySelector('button[type="submit"]');
  if (!form || !password || !error || !button) return;

  let pending = false;
  const setPending = (on) => {
    pending = on;
    button.setAttribute("aria-disabled", String(on));
    button.textContent = on ? "Signing in…" : "Sign in";
  };
  const refuse = (message) => {
    setPending(false);
    error.textContent = message;
    password.setAttribute("aria-invalid", "true");
    password.focus();
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (pending) return;
    setPending(true);
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch {
      refuse("The server could not be reached. Check the connection and try again.");
      return;
    }
    if (response.ok) {
      // The server names the page to return to (always a path on this site).
      window.location.assign(response.headers.get("Location") || "/");
      return;
    }
    // A refusal is the console's error as JSON; its message is written for people.
    const body = await response.json().catch(() => null);
    refuse(
      body?.Invalid?.message ??
        `Signing in failed (HTTP ${response.status}). Try again; if it keeps failing, check the server log.`,
    );
  });

  // The page is ready to use: the same marker the wasm sets on other pages.
  document.body.dataset.hydrated = "true";
})();
