/**
 * The control page: eight panels (`section.panel`, as GradFlow's) of a heading, a
 * paragraph and a static line chart in an SVG as wide as the page, which the page-width
 * changes reflow without any script; the step counter the redraw window reads (always 0);
 * and, unless `busy` is false, a worker that computes without a pause on one core, as
 * training does. What the redraw window drops on it is what the harness, the browser and
 * the machine drop with no chart drawn: no script runs in the page's main thread.
 */
export const controlPage = (busy: boolean): string => {
  const points = Array.from({ length: 400 }, (_, i) => `${i},${(100 + 80 * Math.sin(i / 17) + 20 * Math.sin(i / 3)).toFixed(1)}`).join(' ');
  const panel = (n: number): string => `<section class="panel" style="margin:16px;padding:16px;border:1px solid #ccc;min-height:480px">
    <h2>Panel ${n}</h2><p>${'Static text that reflows when the page width changes. '.repeat(6)}</p>
    <svg width="100%" height="300" viewBox="0 0 400 200" preserveAspectRatio="none"><polyline points="${points}" fill="none" stroke="#36c" stroke-width="1" vector-effect="non-scaling-stroke"/></svg>
  </section>`;
  const worker = `const blob = new Blob(['let x = 0; for (;;) { for (let i = 0; i < 1e6; i++) x = (x * 1.0000001 + i) % 1e9; }'], { type: 'text/javascript' });
    window.__controlWorker = new Worker(URL.createObjectURL(blob));`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>control</title></head>
  <body style="font:14px sans-serif;margin:0">${Array.from({ length: 8 }, (_, i) => panel(i + 1)).join('')}
  <script>window.__gradflowBench = { step: () => 0 }; ${busy ? worker : ''}</script></body></html>`;
};
