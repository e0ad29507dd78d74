import { useEffect, useRef, useState, type RefObject } from 'react';

/** How near the screen an element counts as in view: a panel catches up, and its charts redraw, a little before it is scrolled to. */
export const NEAR_SCREEN = '300px';

/** Whether an element is on screen (or within `margin` of it), followed with an IntersectionObserver; true until measured. */
export function useInView<T extends Element>(margin = NEAR_SCREEN): [RefObject<T | null>, boolean] {
  const ref = useRef<T | null>(null);
  const [inView, setInView] = useState(true);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof IntersectionObserver === 'undefined') return undefined;
    const observer = new IntersectionObserver((entries) => {
      const entry = entries[entries.length - 1];
      if (entry) setInView(entry.isIntersecting);
    }, { rootMargin: margin });
    observer.observe(element);
    return () => observer.disconnect();
  }, [margin]);
  return [ref, inView];
}
