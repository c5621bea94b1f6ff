// GB 11643 resident ID numbers, checked on the phone with the rule the server applies
// (wangge/people/identity.py check_resident_id), so a typo is caught at the door, not at the next sync.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = "10X98765432";

/** The check character for the first 17 digits: ISO 7064 MOD 11-2. */
export function checkDigit(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

export function compactId(raw) {
  return String(raw || "").replace(/[\s-]/g, "").toUpperCase();
}

/**
 * Checks a resident ID number. Returns {ok: true, number, birthDate, sex} or {ok: false, error} where
 * error is a key of the message dictionary (the same four refusals as the server).
 */
export function checkResidentId(raw, today = new Date()) {
  const number = compactId(raw);
  if (!/^\d{17}[\dX]$/.test(number)) return { ok: false, error: "id_length" };
  if (number[17] !== checkDigit(number)) return { ok: false, error: "id_check_digit" };
  const year = Number(number.slice(6, 10));
  const month = Number(number.slice(10, 12));
  const day = Number(number.slice(12, 14));
  const birth = new Date(Date.UTC(year, month - 1, day));
  if (birth.getUTCFullYear() !== year || birth.getUTCMonth() !== month - 1 || birth.getUTCDate() !== day) {
    return { ok: false, error: "id_birth_invalid" };
  }
  const todayUtc = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  if (birth.getTime() > todayUtc) return { ok: false, error: "id_birth_future" };
  if (year < 1880) return { ok: false, error: "id_birth_unlikely" };
  return {
    ok: true,
    number,
    birthDate: number.slice(6, 10) + "-" + number.slice(10, 12) + "-" + number.slice(12, 14),
    sex: Number(number[16]) % 2 ? "male" : "female",
  };
}
