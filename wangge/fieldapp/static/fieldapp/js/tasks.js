// Tasks on the phone: the server's order and the shift running now (mirrors wangge/collection/shifts.py).

const DEFAULT_HOURS = { day: ["08:30", "17:30"], night: ["18:30", "21:30"] };

function minutes(hhmm) {
  const [h, m] = String(hhmm).split(":").map(Number);
  return h * 60 + (m || 0);
}

/** "day", "night" or "any" (between shifts) for a grid at a moment, from the hours the last pull sent. */
export function shiftAt(shifts, gridId, now = new Date()) {
  const hours = { ...DEFAULT_HOURS };
  for (const shift of shifts || []) {
    if (String(shift.grid_id) === String(gridId)) hours[shift.shift] = [shift.starts, shift.ends];
  }
  const at = now.getHours() * 60 + now.getMinutes();
  for (const kind of ["day", "night"]) {
    const starts = minutes(hours[kind][0]);
    const ends = minutes(hours[kind][1]);
    const inside = starts <= ends ? starts <= at && at < ends : at >= starts || at < ends;
    if (inside) return kind;
  }
  return "any";
}

/** Whether a task belongs to the shift running now in its grid. */
export function inCurrentShift(task, shifts, now = new Date()) {
  const current = shiftAt(shifts, task.grid_id, now);
  return task.shift === "any" || task.shift === current;
}

function localDay(now) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * The server's work order (wangge/collection/selectors.py task_list): overdue first, then due day (none
 * last), priority (1 urgent first), those of the shift running now, the address code, the id.
 */
export function orderTasks(tasks, { shifts = [], now = new Date(), codeOf = () => "" } = {}) {
  const today = localDay(now);
  const keyOf = (task) => [
    task.due_on && task.due_on < today ? 0 : 1,
    task.due_on || "9999-12-31",
    task.priority ?? 2,
    inCurrentShift(task, shifts, now) ? 0 : 1,
    codeOf(task) || "",
    task.id ?? 0,
  ];
  return [...tasks]
    .map((task) => [keyOf(task), task])
    .sort(([a], [b]) => {
      for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
      return 0;
    })
    .map(([, task]) => task);
}

export const OPEN_STATES = new Set(["open", "in_progress"]);
