// Calls to the server: the bearer token, the device id, and one way of telling what went wrong.
import { deviceId } from "./store.js";

const API_ROOT = document.body.dataset.api || "/api/v1/";
const TIMEOUT_MS = 30000;

export class ApiError extends Error {
  /** kind: "offline" (no answer: retry later), "auth" (401), "server" (5xx: retry), "client" (4xx). */
  constructor(kind, status = 0, body = null) {
    super((body && body.detail) || kind);
    this.kind = kind;
    this.status = status;
    this.body = body;
  }

  get code() {
    return (this.body && this.body.code) || "token_invalid";
  }
}

export async function call(path, { method = "GET", token = null, body = undefined } = {}) {
  const headers = { Accept: "application/json", "X-Device-Id": deviceId() };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetch(API_ROOT + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      signal: controller.signal,
    });
  } catch {
    throw new ApiError("offline");
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) return data;
  if (response.status === 401) throw new ApiError("auth", 401, data);
  if (response.status >= 500 || response.status === 408 || response.status === 429) {
    throw new ApiError("server", response.status, data);
  }
  throw new ApiError("client", response.status, data);
}
