import { describe, expect, it } from 'vitest';
import type { Flows, Volume } from '../api/analytics';
import { buildCsv, chinaDate, countNumber, csvField, flowsCsv, goalTargetProblem, measureLabel, sankeyShape, showCount, showValue, smallLabel, volumeCsv, volumeSeries } from './logic';

const scope = { allianceId: 'a', institutionId: '', side: '', direction: '', urgency: '', from: '2026-01-01', to: '2026-03-31', minCellSize: 5 };

describe('suppression display', () => {
  it('shows counts as they came: numbers, and hidden small cells as "<5"', () => {
    expect(showCount(12)).toBe('12');
    expect(showCount(0)).toBe('0');
    expect(showCount('<5')).toBe('<5');
    expect(showCount(undefined)).toBe('—');
  });

  it('plots hidden cells as 0', () => {
    expect(countNumber('<5')).toBe(0);
    expect(countNumber(7)).toBe(7);
  });

  it('shows values: rates as percentages, suppressed as the "<N" label, null as a dash', () => {
    expect(showValue(0.9512, 'rate', '<5')).toBe('95.1%');
    expect(showValue('suppressed', 'rate', '<5')).toBe('<5');
    expect(showValue(null, 'rate', '<5')).toBe('—');
    expect(showValue(2.345, 'ratio', '<5')).toBe('2.35 : 1');
    expect(showValue(12.04, 'hours', '<5')).toBe('12 h');
    expect(smallLabel(10)).toBe('<10');
    expect(smallLabel(undefined)).toBe('<5');
  });
});

describe('CSV', () => {
  it('quotes fields with commas, quotes and line breaks, and neutralises formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('x\ny')).toBe('"x\ny"');
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvField(-3)).toBe('-3');
    expect(csvField(null)).toBe('');
    expect(csvField('<5')).toBe('<5');
  });

  it('builds a document with CRLF line ends', () => {
    expect(buildCsv(['a', 'b'], [[1, '<5'], ['中文', null]])).toBe('a,b\r\n1,<5\r\n中文,\r\n');
  });
});

const volume: Volume = {
  scope,
  interval: 'month',
  periods: ['2026-01', '2026-02', '2026-03'],
  series: [
    { direction: 'down', counts: [6, '<5', 0] },
    { direction: 'up', counts: [10, 12, '<5'] },
  ],
};

describe('volume series', () => {
  it('orders up, down, lateral and keeps the "<5" labels', () => {
    const s = volumeSeries(volume);
    expect(s.map((x) => x.direction)).toEqual(['up', 'down']);
    expect(s[0].data).toEqual([10, 12, 0]);
    expect(s[0].labels).toEqual(['10', '12', '<5']);
    expect(s[1].labels).toEqual(['6', '<5', '0']);
  });

  it('exports a row per period', () => {
    expect(volumeCsv(volume, (d) => d.toUpperCase(), 'period')).toBe(
      'period,UP,DOWN\r\n2026-01,10,6\r\n2026-02,12,<5\r\n2026-03,<5,0\r\n',
    );
  });
});

const inst = (id: string, name: string) => ({ id, name, level: '', kind: '', regionCode: '340104' });
const flows: Flows = {
  scope,
  nodes: [inst('A', '社区A'), inst('B', '医院B')],
  links: [
    { source: 'A', target: 'B', direction: 'up', value: 9 },
    { source: 'B', target: 'A', direction: 'down', value: '<5' },
  ],
  otherLinks: 0,
  otherCount: 0,
};

describe('flows', () => {
  it('splits senders and receivers so a two-way flow has no cycle; hidden links are thin and labelled "<5"', () => {
    const s = sankeyShape(flows);
    expect(s.nodes.map((n) => n.name).sort()).toEqual(['r:A', 'r:B', 's:A', 's:B']);
    expect(s.nodes.find((n) => n.name === 'r:B')?.label).toBe('→ 医院B');
    expect(s.links).toEqual([
      { source: 's:A', target: 'r:B', value: 9, label: '9', direction: 'up' },
      { source: 's:B', target: 'r:A', value: 1, label: '<5', direction: 'down' },
    ]);
    // no link goes from a receiver node
    expect(s.links.every((l) => l.source.startsWith('s:') && l.target.startsWith('r:'))).toBe(true);
  });

  it('exports names, not ids', () => {
    expect(flowsCsv(flows, ['from', 'to', 'dir', 'n'], (d) => d)).toBe('from,to,dir,n\r\n社区A,医院B,up,9\r\n医院B,社区A,down,<5\r\n');
  });
});

describe('chinaDate', () => {
  it('is the Beijing calendar day', () => {
    expect(chinaDate(Date.UTC(2026, 0, 1, 17, 0))).toBe('2026-01-02');
    expect(chinaDate(Date.UTC(2026, 0, 1, 15, 0))).toBe('2026-01-01');
  });
});

describe('goalTargetProblem', () => {
  it('follows the server rules for each kind of measure', () => {
    expect(goalTargetProblem('count', 300)).toBeUndefined();
    expect(goalTargetProblem('count', 0)).toBeUndefined();
    expect(goalTargetProblem('count', null)).toBe('goals.targetRequired');
    expect(goalTargetProblem('count', -1)).toBe('goals.targetRange');
    expect(goalTargetProblem('count', 2e9)).toBe('goals.targetRange');
    expect(goalTargetProblem('percent', 95)).toBeUndefined();
    expect(goalTargetProblem('percent', 100)).toBeUndefined();
    expect(goalTargetProblem('percent', 100.5)).toBe('goals.targetPercent');
    expect(goalTargetProblem('hours', 0)).toBe('goals.targetHours');
    expect(goalTargetProblem('hours', 24)).toBeUndefined();
  });

  it('labels a measure in the interface language', () => {
    const m = { label: 'Ward rounds held (as host)', labelZh: '远程查房次数' };
    expect(measureLabel(m, 'en')).toBe('Ward rounds held (as host)');
    expect(measureLabel(m, 'zh-CN')).toBe('远程查房次数');
  });
});
