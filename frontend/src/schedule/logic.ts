// Dates and times of the specialists' schedules. The alliance works on Beijing time
// (UTC+8, no daylight saving) whatever the browser's own zone: every wall-clock value
// on the board is computed here from instants, without the browser's time zone.
import type { Slot, VideoConsult } from '../api/types';

export const BEIJING_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

const pad = (n: number) => String(n).padStart(2, '0');

export interface WallClock {
  /** YYYY-MM-DD */
  date: string;
  /** HH:mm */
  time: string;
  /** 0 = Sunday */
  weekday: number;
}

/** The Beijing wall clock of an instant. */
export function beijing(at: string | number | Date): WallClock {
  const ms = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();
  const d = new Date(ms + BEIJING_OFFSET_MS);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
    weekday: d.getUTCDay(),
  };
}

/** "YYYY-MM-DD HH:mm" in Beijing time. */
export function formatBeijing(at: string | null | undefined): string {
  if (!at) return '';
  const w = beijing(at);
  return `${w.date} ${w.time}`;
}

/** "HH:mm–HH:mm" of a period in Beijing time. */
export function formatSpan(s: Slot): string {
  return `${beijing(s.start).time}–${beijing(s.end).time}`;
}

/** The instant (ISO, UTC) of a Beijing date and wall-clock time. */
export function beijingInstant(date: string, time = '00:00'): string {
  return new Date(`${date}T${time}:00+08:00`).toISOString();
}

/** The date `n` days after a YYYY-MM-DD date. */
export function addDays(date: string, n: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + n * DAY_MS;
  return new Date(ms).toISOString().slice(0, 10);
}

/** 0 = Sunday, of a YYYY-MM-DD date. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** The Monday starting the week of a date (weeks run Monday to Sunday, as in China). */
export function weekStart(date: string): string {
  return addDays(date, -((weekdayOf(date) + 6) % 7));
}

/** The seven dates of the week starting `monday`. */
export function weekDates(monday: string): string[] {
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

/** Today's Beijing date. */
export function beijingToday(now = Date.now()): string {
  return beijing(now).date;
}

export type Cell =
  | { kind: 'free'; key: string; slot: Slot }
  | { kind: 'booked'; key: string; slot: Slot; video: VideoConsult };

/** Same instant written two ways ("…T01:00:00Z", "…T01:00:00.000Z") compares equal. */
export const sameInstant = (a: string, b: string) => Date.parse(a) === Date.parse(b);

/** The instant as the board's data attributes carry it. */
export const instantKey = (s: string) => new Date(Date.parse(s)).toISOString();

/**
 * The board's cells per date of the week: free slots and the bookings the user may see
 * (cancelled ones leave the board), in time order within a day.
 */
export function boardCells(dates: readonly string[], slots: readonly Slot[], videos: readonly VideoConsult[]): Map<string, Cell[]> {
  const out = new Map<string, Cell[]>(dates.map((d) => [d, []]));
  for (const s of slots) {
    out.get(beijing(s.start).date)?.push({ kind: 'free', key: `free-${instantKey(s.start)}`, slot: s });
  }
  for (const v of videos) {
    if (v.status === 'cancelled') continue;
    out.get(beijing(v.start).date)?.push({ kind: 'booked', key: `video-${v.id}`, slot: { start: v.start, end: v.end }, video: v });
  }
  for (const cells of out.values()) {
    cells.sort((a, b) => Date.parse(a.slot.start) - Date.parse(b.slot.start) || (a.kind === 'booked' ? -1 : 1));
  }
  return out;
}

/**
 * The window of free slots worth asking for in the week [monday, monday+7): from now
 * when the week has begun, nothing when it is over.
 */
export function slotWindow(monday: string, now: number): { from: string; to: string } | null {
  const from = Date.parse(beijingInstant(monday));
  const to = Date.parse(beijingInstant(addDays(monday, 7)));
  if (to <= now) return null;
  return { from: new Date(Math.max(from, now)).toISOString(), to: new Date(to).toISOString() };
}

/** HH:mm choices from `first` to `last` every `step` minutes. */
export function clockOptions(first = '06:00', last = '22:00', step = 15): string[] {
  const toMin = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
  const out: string[] = [];
  for (let m = toMin(first); m <= toMin(last); m += step) out.push(`${pad(Math.floor(m / 60))}:${pad(m % 60)}`);
  return out;
}

/** True when an HH:mm end comes after the start and leaves room for at least one slot. */
export function spanFits(start: string | undefined, end: string | undefined, slotMinutes?: number): boolean {
  if (!start || !end) return false;
  const toMin = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
  const len = toMin(end) - toMin(start);
  return len > 0 && (!slotMinutes || len >= slotMinutes);
}

/** Whether a user may edit a specialist's availability: the specialist, or a convener of their facility. */
export function canManageSchedule(
  me: { id: string; roles: readonly string[]; institutionId: string },
  specialistId: string | undefined,
  specialistInstitutionId: string | undefined,
): boolean {
  if (!specialistId) return false;
  return me.id === specialistId || (me.roles.includes('convener') && me.institutionId === specialistInstitutionId);
}

/** Whether the room of a booked consultation may be joined at `now`: 15 min before the start to 2 h after the end. */
export function joinWindowOpen(v: Pick<VideoConsult, 'start' | 'end' | 'status'>, now: number): boolean {
  if (v.status !== 'booked' && v.status !== 'completed') return false;
  return now >= Date.parse(v.start) - 15 * 60_000 && now <= Date.parse(v.end) + 2 * 3600_000;
}
