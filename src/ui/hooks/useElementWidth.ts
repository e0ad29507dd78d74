import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { cancelFrameJob, queueFrameJob } from '../frameQueue';

/**
 * The content width of an element, followed with a ResizeObserver (0 until measured). The
 * first width is measured before the browser paints (a layout effect), so a chart mounts
 * drawn, also within a `beforeprint` (../print.ts); later changes wait for a frame of their
 * own, after the charts nearer the screen, and off screen until the chart is scrolled to
 * (../frameQueue.ts).
 */
export function useElementWidth<T extends HTMLElement>(): [RefObject<T | null>, number] {
  const ref = useRef<T | null>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    const observer = new ResizeObserver((entries) => {
      const next = Math.floor(entries[0]?.contentRect.width ?? 0);
      queueFrameJob(element, () => setWidth((w) => (Math.abs(w - next) >= 1 ? next : w)));
    });
    observer.observe(element);
    setWidth(Math.floor(element.getBoundingClientRect().width));
    return () => {
      cancelFrameJob(element);
      observer.disconnect();
    };
  }, []);
  return [ref, width];
}
