// Thin client of the gateway's /api/v1. Every failure becomes an ApiError carrying a message a
// person can act on, so no caller ever has to guess what went wrong (or fail silently).

const API_ROOT = new URL("api/v1/", document.baseURI);

/** An HTTP or network failure, with the server's error code and a readable message. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** Absolute URL of an API path such as "jobs/abc/events". */
export function apiUrl(path) {
  return new URL(path, API_ROOT).toString();
}

function retryAfterSeconds(response) {
  const value = response.headers.get("Retry-After");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.round((date - Date.now()) / 1000));
}

// What a person should read for each status; the server's own message is appended when it
// adds something (it names the limit, the bad field, the missing version...).
function explain(status, serverMessage, retryAfter) {
  const wait = retryAfter != null ? ` Try again in ${retryAfter} s.` : " Try again shortly.";
  const trimmed = (serverMessage || "").trim().replace(/[.\s]+$/, "");
  const detail = trimmed ? ` (${trimmed})` : "";
  switch (status) {
    case 400: return `The request was refused${detail}.`;
    case 401: return "This needs an API key: enter it in “Train and manage models”.";
    case 403: return "The API key was refused: check it and enter it again.";
    case 404: return `Not found${detail}.`;
    case 409: return `Conflict${detail}.`;
    case 413: return `That file is too large to upload${detail}.`;
    case 415: return `That file is not an image SpikeGlyph can read${detail}.`;
    case 422: return `Some values were not accepted${detail}.`;
    case 429: return `Too many requests: slow down a little.${wait}`;
    case 502:
    case 503:
    case 504: return `The service is busy or starting up${detail}.${wait}`;
    default: return `The server answered ${status}${detail}.`;
  }
}

async function errorFrom(response) {
  let code = `http_${response.status}`;
  let serverMessage = "";
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code || code;
      serverMessage = body.error.message || "";
    } else if (body && body.detail) {
      // FastAPI's own validation answer: a list of {loc, msg}; name the fields it refused.
      serverMessage = typeof body.detail === "string"
        ? body.detail
        : [].concat(body.detail).map((d) => `${(d.loc || []).slice(-1)[0] ?? "value"}: ${d.msg}`).join("; ");
    }
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status alone has to speak.
  }
  const retryAfter = retryAfterSeconds(response);
  return new ApiError(response.status, code, explain(response.status, serverMessage, retryAfter), retryAfter);
}

/**
 * Calls the API and returns the decoded JSON (or null for an empty body).
 * `apiKey` is sent as X-API-Key; a FormData or Blob body is sent as-is, anything else as JSON.
 */
export async function request(path, { method = "GET", body, apiKey, signal } = {}) {
  const headers = { Accept: "application/json" };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData) && !(body instanceof Blob)) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (apiKey) headers["X-API-Key"] = apiKey;
  let response;
  try {
    response = await fetch(apiUrl(path), { method, headers, body: payload, signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "unreachable", "Cannot reach the SpikeGlyph service: is it running? Check your connection and try again.");
  }
  if (!response.ok) throw await errorFrom(response);
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(response.status, "bad_response", "The server sent an answer the page cannot read.");
  }
}

/** Predicts the class of an image (Blob or File) with the full spike telemetry. */
export function predict(image) {
  const form = new FormData();
  form.append("file", image, image.name || "drawing.png");
  return request("predict", { method: "POST", body: form });
}

/**
 * Sends a correction: this image shows class `label`. `modelVersion` is the version that made
 * the prediction; the server reads the image the way that version's dataset needs. With
 * `confirmed`, a confirmation instead: the answer `label` was right.
 */
export function sendFeedback(image, label, modelVersion, confirmed = false) {
  const form = new FormData();
  form.append("file", image, image.name || "drawing.png");
  form.append("label", String(label));
  if (modelVersion) form.append("model_version", modelVersion);
  if (confirmed) form.append("confirmed", "true");
  return request("feedback", { method: "POST", body: form });
}

export const listModels = () => request("models");
export const activeModel = () => request("models/active");
export const activateModel = (version, apiKey) =>
  request(`models/${encodeURIComponent(version)}/activate`, { method: "POST", apiKey });
export const submitJob = (kind, params, apiKey) =>
  request("jobs", { method: "POST", body: { kind, params }, apiKey });
export const listJobs = () => request("jobs");
export const getJob = (jobId) => request(`jobs/${encodeURIComponent(jobId)}`);
export const cancelJob = (jobId, apiKey) =>
  request(`jobs/${encodeURIComponent(jobId)}`, { method: "DELETE", apiKey });
export const jobEventsUrl = (jobId) => apiUrl(`jobs/${encodeURIComponent(jobId)}/events`);
