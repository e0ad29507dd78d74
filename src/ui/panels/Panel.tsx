import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { cancelFrameJob, queueFrameJob } from '../frameQueue';
import { useInView } from '../hooks/useInView';
import { usePrinting } from '../print';

/**
 * Keeps showing what `children` were while `frozen`: returning the same element lets React
 * skip the whole subtree, so charts off screen cost nothing while training runs.
 */
function Freeze({ frozen, children }: { frozen: boolean; children: ReactNode }) {
  const last = useRef<ReactNode>(children);
  if (!frozen) last.current = children;
  return last.current;
}

/**
 * A card of the main grid: a title, a few plain lines saying how to read it, then its charts.
 * Off screen, its charts keep their last picture and catch up when scrolled into view, or at
 * once when the page is printed (../print.ts), so that a printout shows the current step.
 */
export function Panel({ title, explainer, className = '', actions, children }: {
  title: string; explainer: ReactNode; className?: string; actions?: ReactNode; children: ReactNode;
}) {
  const id = useId();
  const [ref, inView] = useInView<HTMLElement>();
  // Catching up when scrolled into view waits for a frame of its own, like a new width.
  const [live, setLive] = useState(inView);
  useEffect(() => {
    const element = ref.current;
    if (!inView || !element) {
      setLive(false);
      return undefined;
    }
    queueFrameJob(element, () => setLive(true));
    return () => cancelFrameJob(element);
  }, [inView, ref]);
  const printing = usePrinting();
  return (
    <section ref={ref} className={`panel ${className}`} aria-labelledby={id}>
      <header className="panel-head">
        <h2 id={id}>{title}</h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      <div className="explainer">{explainer}</div>
      <Freeze frozen={!live && !printing}>{children}</Freeze>
    </section>
  );
}
