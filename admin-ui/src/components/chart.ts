import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** What a chart draws: uPlot's options but its size, which the box decides, and the data. */
export interface ChartSpec {
  readonly opts: Omit<uPlot.Options, 'width' | 'height'>;
  readonly data: uPlot.AlignedData;
}

/** Charts are never drawn narrower than this, however narrow their box. */
const MIN_WIDTH = 300;

/**
 * A uPlot chart in the returned box, `height` tall and as wide as the box (following it as it resizes), made again
 * from `build` when `deps` change; destroyed with the component.
 */
export function useChart(height: number, build: () => ChartSpec, deps: readonly unknown[]) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = (): number => Math.max(MIN_WIDTH, el.clientWidth);
    const { opts, data } = build();
    const chart = new uPlot({ ...opts, width: width(), height }, data, el);
    const resize = new ResizeObserver(() => chart.setSize({ width: width(), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
    // `build` is a fresh closure each render; `deps` say when what it draws changed.
  }, deps);
  return box;
}
