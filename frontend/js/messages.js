// The page's voice: errors go to an assertive live region and stay until dismissed or replaced;
// confirmations go to a polite status line and fade after a while.

const alerts = () => document.getElementById("alerts");
const status = () => document.getElementById("status");
let statusTimer = 0;

/** Shows an error a person can see and a screen reader announces. */
export function showError(message) {
  const region = alerts();
  // One message per cause: repeating the same failure should not stack copies.
  for (const node of region.querySelectorAll(".alert")) {
    if (node.dataset.message === message) node.remove();
  }
  const item = document.createElement("div");
  item.className = "alert";
  item.dataset.message = message;
  const text = document.createElement("span");
  text.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "Dismiss";
  close.setAttribute("aria-label", "Dismiss this message");
  close.addEventListener("click", () => item.remove());
  item.append(text, close);
  region.append(item);
  while (region.children.length > 3) region.firstElementChild.remove();
}

/** Removes every error, e.g. once the thing that failed has worked. */
export function clearErrors() {
  alerts().replaceChildren();
}

/** Shows a short confirmation. */
export function showStatus(message, timeoutMs = 6000) {
  const region = status();
  region.textContent = message;
  clearTimeout(statusTimer);
  if (timeoutMs > 0) statusTimer = setTimeout(() => { region.textContent = ""; }, timeoutMs);
}

/** Reports any thrown value as an error message (aborted requests are not errors). */
export function reportError(err, context = "") {
  if (err && err.name === "AbortError") return;
  const message = err && err.message ? err.message : String(err);
  showError(context ? `${context}: ${message}` : message);
}
