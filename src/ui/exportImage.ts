/**
 * Saving a chart as SVG or PNG. A chart is whatever SVG and canvas elements its container
 * holds; they are composed into one standalone SVG at their on-screen positions, with the
 * computed styles written inline (so the file looks the same without the page's CSS). A
 * canvas of lines (LineCanvas) is written as the vector paths it draws; any other canvas
 * (a heatmap) is embedded as a PNG image. The PNG is that SVG drawn onto a canvas.
 */
import { pathData } from '../charts/decimate';
import { canvasLines, type LineStroke } from '../charts/LineCanvas';
import { downloadBlob, downloadText } from './download';

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

/** Inherited style properties that change how SVG content looks (written where they differ from the parent). */
const INHERITED = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-dasharray', 'stroke-linecap',
  'stroke-linejoin', 'font-family', 'font-size', 'font-weight', 'font-style', 'text-anchor', 'dominant-baseline',
  'letter-spacing', 'visibility', 'shape-rendering', 'paint-order',
] as const;
/** Properties that are not inherited, with their initial values (written where they differ). */
const NOT_INHERITED: Readonly<Record<string, string>> = { opacity: '1', 'mix-blend-mode': 'normal', 'alignment-baseline': 'auto' };

/** Copies the computed style of each element of `source` onto the same element of `copy`, leaving out what it inherits anyway. */
function inlineStyles(source: Element, copy: Element, parent: CSSStyleDeclaration | null): void {
  const computed = window.getComputedStyle(source);
  const declarations: string[] = [];
  for (const p of INHERITED) {
    const value = computed.getPropertyValue(p);
    if (value && (!parent || parent.getPropertyValue(p) !== value)) declarations.push(`${p}:${value}`);
  }
  for (const [p, initial] of Object.entries(NOT_INHERITED)) {
    const value = computed.getPropertyValue(p);
    if (value && value !== initial) declarations.push(`${p}:${value}`);
  }
  if (computed.display === 'none') declarations.push('display:none');
  if (declarations.length > 0) copy.setAttribute('style', declarations.join(';'));
  else copy.removeAttribute('style');
  const sources = source.children;
  const copies = copy.children;
  for (let i = 0; i < sources.length && i < copies.length; i++) inlineStyles(sources[i]!, copies[i]!, computed);
}

/**
 * A canvas as a PNG data URL at twice its on-screen size, keeping hard pixel edges when the
 * page shows it pixelated (heatmaps), so the saved picture matches the screen in any viewer.
 */
function canvasDataUrl(canvas: HTMLCanvasElement, width: number, height: number): string {
  const copy = document.createElement('canvas');
  copy.width = Math.max(1, Math.round(width * 2));
  copy.height = Math.max(1, Math.round(height * 2));
  const context = copy.getContext('2d');
  if (!context) return canvas.toDataURL('image/png');
  const rendering = window.getComputedStyle(canvas).imageRendering;
  context.imageSmoothingEnabled = rendering !== 'pixelated' && rendering !== 'crisp-edges';
  context.drawImage(canvas, 0, 0, copy.width, copy.height);
  return copy.toDataURL('image/png');
}

/** A canvas's lines as an SVG of vector paths, placed where the canvas is. */
function linesSvg(strokes: readonly LineStroke[], x: number, y: number, width: number, height: number): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  for (const [name, value] of [['x', x], ['y', y], ['width', width], ['height', height]] as const) svg.setAttribute(name, String(value));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  for (const s of strokes) {
    if (s.points.length === 0) continue;
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('data-series', s.kind);
    path.setAttribute('data-id', s.id);
    path.setAttribute('d', pathData(s.points));
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', s.colour);
    path.setAttribute('stroke-width', String(s.width));
    if (s.opacity !== 1) path.setAttribute('stroke-opacity', String(s.opacity));
    if (s.dash !== '') path.setAttribute('stroke-dasharray', s.dash);
    svg.append(path);
  }
  return svg;
}

/** The chart in `container` as the text of a standalone SVG file, or null if it has nothing to draw. */
export function chartToSvg(container: HTMLElement): { text: string; width: number; height: number } | null {
  const box = container.getBoundingClientRect();
  const parts = Array.from(container.querySelectorAll<SVGSVGElement | HTMLCanvasElement>('svg, canvas'))
    // Nested svgs travel with their outer svg; button icons are not part of the chart.
    .filter((el) => !(el.parentElement?.closest('svg')) && !el.closest('button'));
  if (parts.length === 0) return null;
  const rects = parts.map((el) => el.getBoundingClientRect());
  const width = Math.ceil(Math.max(...rects.map((r) => r.right - box.left)));
  const height = Math.ceil(Math.max(...rects.map((r) => r.bottom - box.top)));
  const root = document.createElementNS(SVG_NS, 'svg');
  root.setAttribute('xmlns', SVG_NS);
  root.setAttribute('xmlns:xlink', XLINK_NS);
  root.setAttribute('width', String(width));
  root.setAttribute('height', String(height));
  root.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const background = document.createElementNS(SVG_NS, 'rect');
  background.setAttribute('width', '100%');
  background.setAttribute('height', '100%');
  background.setAttribute('fill', '#ffffff');
  root.append(background);
  parts.forEach((el, i) => {
    const rect = rects[i]!;
    const x = rect.left - box.left;
    const y = rect.top - box.top;
    if (el instanceof HTMLCanvasElement) {
      const lines = canvasLines(el);
      if (lines) {
        root.append(linesSvg(lines, x, y, rect.width, rect.height));
        return;
      }
      const image = document.createElementNS(SVG_NS, 'image');
      image.setAttribute('x', String(x));
      image.setAttribute('y', String(y));
      image.setAttribute('width', String(rect.width));
      image.setAttribute('height', String(rect.height));
      image.setAttribute('preserveAspectRatio', 'none');
      image.setAttributeNS(XLINK_NS, 'xlink:href', canvasDataUrl(el, rect.width, rect.height));
      root.append(image);
      return;
    }
    const copy = el.cloneNode(true) as SVGSVGElement;
    inlineStyles(el, copy, null);
    copy.setAttribute('x', String(x));
    copy.setAttribute('y', String(y));
    copy.setAttribute('width', String(rect.width));
    copy.setAttribute('height', String(rect.height));
    copy.removeAttribute('class');
    root.append(copy);
  });
  return { text: new XMLSerializer().serializeToString(root), width, height };
}

/** Saves the chart in `container` as `name`.svg; false if there was nothing to save. */
export function saveChartSvg(container: HTMLElement, name: string): boolean {
  const svg = chartToSvg(container);
  if (!svg) return false;
  downloadText(svg.text, `${name}.svg`, 'image/svg+xml');
  return true;
}

/** Draws an SVG text onto a canvas at `scale` and resolves with it as a PNG blob. */
export function svgToPng(svg: { text: string; width: number; height: number }, scale: number): Promise<Blob> {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(new Blob([svg.text], { type: 'image/svg+xml' }));
    const image = new Image();
    image.onload = () => {
      URL.revokeObjectURL(url);
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(svg.width * scale);
      canvas.height = Math.round(svg.height * scale);
      const context = canvas.getContext('2d');
      if (!context) return reject(new Error('no 2D canvas to draw the PNG on'));
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the PNG could not be encoded'))), 'image/png');
    };
    image.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error('the chart could not be drawn as an image'));
    };
    image.src = url;
  });
}

/** Saves the chart in `container` as `name`.png at twice its on-screen size. */
export async function saveChartPng(container: HTMLElement, name: string): Promise<boolean> {
  const svg = chartToSvg(container);
  if (!svg) return false;
  downloadBlob(await svgToPng(svg, 2), `${name}.png`);
  return true;
}
