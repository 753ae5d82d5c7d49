// A small React wrapper around echarts.init: one chart per element, resized with its box,
// options replaced when they change; `onReady` hands out the instance (for PNG export).
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts';
import type { ECharts, EChartsOption } from 'echarts';

interface Props {
  option: EChartsOption;
  height?: number;
  testId?: string;
  onReady?: (chart: ECharts | undefined) => void;
}

export function EChart({ option, height = 320, testId, onReady }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts>(undefined);
  const ready = useRef(onReady);
  ready.current = onReady;

  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, undefined, { renderer: 'canvas' });
    chart.current = c;
    ready.current?.(c);
    const ro = typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(() => c.resize());
    ro?.observe(el.current);
    return () => {
      ro?.disconnect();
      ready.current?.(undefined);
      c.dispose();
      chart.current = undefined;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={el} data-testid={testId} style={{ width: '100%', height }} />;
}

/** The chart as a PNG data URL on a white background. */
export const chartPng = (c: ECharts) => c.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' });
