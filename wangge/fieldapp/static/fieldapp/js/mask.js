// The server's masking (wangge/core/masking.py), applied to what the worker types before it is shown or
// stored among the synced records: the phone keeps full numbers only in the outbox, until they are sent.

export function maskIdNumber(value) {
  if (!value) return "";
  if (value.length <= 8) return value.slice(0, 1) + "*".repeat(value.length - 1);
  return value.slice(0, 4) + "*".repeat(value.length - 8) + value.slice(-4);
}

export function maskPhone(value) {
  if (!value) return "";
  if (value.length <= 7) return "*".repeat(value.length);
  return value.slice(0, 3) + "*".repeat(value.length - 7) + value.slice(-4);
}
