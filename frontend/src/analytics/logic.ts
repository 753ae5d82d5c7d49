// Pure helpers of the analytics dashboard: showing suppressed cells, building CSV, shaping chart series.
import type { Count, Direction, Flows, Value, Volume } from '../api/analytics';

/** Whether a count is a hidden small cell ("<5"). */
export const isSuppressed = (c: Count | Value): boolean => typeof c === 'string';

/** A count as shown: the number, or the "<N" label as it came. */
export function showCount(c: Count | undefined | null): string {
  if (c === undefined || c === null) return '—';
  return typeof c === 'number' ? String(c) : c;
}

/** A count as a number for a chart: hidden small cells plot as 0 (their label says "<N"). */
export const countNumber = (c: Count | undefined | null): number => (typeof c === 'number' ? c : 0);

/** A value as shown: "—" when there is nothing to measure, `suppressedLabel` ("<5") when hidden. */
export function showValue(v: Value | undefined, kind: 'rate' | 'ratio' | 'hours' | 'number', suppressedLabel: string): string {
  if (v === undefined || v === null) return '—';
  if (v === 'suppressed') return suppressedLabel;
  switch (kind) {
    case 'rate':
      return `${round(v * 100, 1)}%`;
    case 'ratio':
      return `${round(v, 2)} : 1`;
    case 'hours':
      return `${round(v, 1)} h`;
    default:
      return String(round(v, 2));
  }
}

function round(n: number, digits: number): string {
  const f = 10 ** digits;
  return String(Math.round(n * f) / f);
}

/** The "<N" label of a scope's threshold. */
export const smallLabel = (minCellSize: number | undefined) => `<${minCellSize || 5}`;

// ---- CSV ----------------------------------------------------------------------------

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; formula-leading cells neutralised. */
export function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  let s = String(v);
  if (/^[=+\-@]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A CSV document: a header and rows, CRLF line ends. */
export function buildCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Starts a download of `content` (a UTF-8 BOM first so Excel reads Chinese) or of a data URL. */
export function download(filename: string, content: string, mime = 'text/csv;charset=utf-8') {
  const href = content.startsWith('data:') ? content : URL.createObjectURL(new Blob(['\ufeff' + content], { type: mime }));
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  if (!content.startsWith('data:')) setTimeout(() => URL.revokeObjectURL(href), 1000);
}

// ---- volume -------------------------------------------------------------------------

export const DIRECTION_COLORS: Record<Direction, string> = { up: '#cf1322', down: '#389e0d', lateral: '#1677ff' };

export interface StackSeries {
  direction: Direction;
  data: number[];
  labels: string[];
}

/** The stacked-bar series of a volume answer, in up/down/lateral order; "<N" cells as 0 with their label kept. */
export function volumeSeries(v: Volume): StackSeries[] {
  const order: Direction[] = ['up', 'down', 'lateral'];
  return [...v.series]
    .sort((a, b) => order.indexOf(a.direction) - order.indexOf(b.direction))
    .map((s) => ({ direction: s.direction, data: s.counts.map(countNumber), labels: s.counts.map(showCount) }));
}

/** The volume as CSV rows: one per period, a column per direction. */
export function volumeCsv(v: Volume, dirLabel: (d: Direction) => string, periodLabel: string): string {
  const series = volumeSeries(v);
  return buildCsv(
    [periodLabel, ...series.map((s) => dirLabel(s.direction))],
    v.periods.map((p, i) => [p, ...series.map((s) => s.labels[i])]),
  );
}

// ---- flows --------------------------------------------------------------------------

export interface SankeyShape {
  nodes: { name: string; label: string }[];
  links: { source: string; target: string; value: number; label: string; direction: Direction }[];
}

/**
 * The Sankey of referral flows. Senders and receivers are separate nodes (an institution that
 * both sends and receives appears twice, "→" before a receiver), so the graph has no cycles,
 * which ECharts' Sankey cannot draw. Hidden small cells get a thin width of 1 and keep their "<N" label.
 */
export function sankeyShape(f: Flows): SankeyShape {
  const name = new Map(f.nodes.map((n) => [n.id, n.name || n.id]));
  const nodes = new Map<string, string>();
  const links: SankeyShape['links'] = [];
  for (const l of f.links) {
    const s = `s:${l.source}`;
    const t = `r:${l.target}`;
    nodes.set(s, name.get(l.source) ?? l.source);
    nodes.set(t, `→ ${name.get(l.target) ?? l.target}`);
    const prev = links.find((x) => x.source === s && x.target === t);
    if (prev && typeof l.value === 'number' && !isNaN(Number(prev.label))) {
      prev.value += l.value;
      prev.label = String(prev.value);
      continue;
    }
    links.push({
      source: s,
      target: t,
      value: typeof l.value === 'number' ? l.value : 1,
      label: showCount(l.value),
      direction: l.direction,
    });
  }
  return { nodes: [...nodes].map(([n, label]) => ({ name: n, label })), links };
}

/** The flows as CSV rows: sender, receiver, direction, count. */
export function flowsCsv(f: Flows, header: readonly string[], dirLabel: (d: Direction) => string): string {
  const name = new Map(f.nodes.map((n) => [n.id, n.name || n.id]));
  return buildCsv(
    header,
    f.links.map((l) => [name.get(l.source) ?? l.source, name.get(l.target) ?? l.target, dirLabel(l.direction), showCount(l.value)]),
  );
}

/** Today's date (YYYY-MM-DD) in China time, the calendar the figures are counted in. */
export function chinaDate(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);
}

// ---- goals --------------------------------------------------------------------------

/** A goal's numbers as the forms edit them. */
export interface GoalNumbers {
  target: number;
  weight: number;
}

/** A measure's label in the interface language. */
export const measureLabel = (m: { label: string; labelZh: string }, lang: string) => (lang === 'en' ? m.label : m.labelZh);

/**
 * What is wrong with a goal's target for a measure of `kind` ('count', 'percent' (0–100),
 * 'hours'), as a dictionary key, or undefined when it is acceptable. The same rules as the
 * server's, so the form says so before asking.
 */
export function goalTargetProblem(kind: string, target: number | null | undefined): 'goals.targetRequired' | 'goals.targetPercent' | 'goals.targetHours' | 'goals.targetRange' | undefined {
  if (target === null || target === undefined || Number.isNaN(target)) return 'goals.targetRequired';
  if (target < 0 || target > 1e9) return 'goals.targetRange';
  if (kind === 'percent' && target > 100) return 'goals.targetPercent';
  if (kind === 'hours' && target === 0) return 'goals.targetHours';
  return undefined;
}
