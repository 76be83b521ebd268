// Charts drawn as inline SVG, no library: scores over interviews (a line) and a report's
// criteria (a radar, or bars when there are fewer than three).
import { s, h } from './ui.js';

const clamp = (v) => Math.max(0, Math.min(100, Number(v) || 0));

/**
 * A line of scores, oldest to newest, sized to its container (redrawn when it resizes).
 * points: [{score, label, title, href, hollow}]
 */
export function scoreLineChart(points, { ariaLabel, legend }) {
  const box = h('div', { class: 'chart chart-line', 'data-testid': 'score-chart' });
  const draw = () => {
    const width = Math.max(260, Math.round(box.clientWidth || 560));
    const height = width < 420 ? 190 : 220;
    const pad = { left: 34, right: 14, top: 14, bottom: 30 };
    const innerW = width - pad.left - pad.right;
    const innerH = height - pad.top - pad.bottom;
    const x = (i) => pad.left + (points.length === 1 ? innerW / 2 : (innerW * i) / (points.length - 1));
    const y = (v) => pad.top + innerH - (innerH * clamp(v)) / 100;
    const grid = [0, 25, 50, 75, 100].map((v) => s('g', { class: 'grid' },
      s('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v) }),
      s('text', { x: pad.left - 8, y: y(v) + 4, 'text-anchor': 'end' }, String(v))));
    const coords = points.map((p, i) => [x(i), y(p.score)]);
    const line = coords.map(([cx, cy], i) => `${i ? 'L' : 'M'}${cx.toFixed(1)},${cy.toFixed(1)}`).join(' ');
    const area = points.length > 1
      ? `${line} L${coords[coords.length - 1][0].toFixed(1)},${y(0)} L${coords[0][0].toFixed(1)},${y(0)} Z` : '';
    const every = Math.max(1, Math.ceil(points.length / Math.max(2, Math.floor(innerW / 64))));
    const labels = points.map((p, i) => ((i % every === 0 || i === points.length - 1)
      ? s('text', { class: 'x-label', x: x(i), y: height - 8, 'text-anchor': 'middle' }, p.label) : null));
    const dots = points.map((p, i) => {
      const dot = s('g', { class: `dot ${p.hollow ? 'dot-hollow' : ''}` },
        s('title', {}, p.title),
        s('circle', { cx: x(i), cy: y(p.score), r: 5.5 }),
        points.length <= 12 ? s('text', { class: 'dot-value', x: x(i), y: y(p.score) - 10, 'text-anchor': 'middle' }, String(p.score)) : null);
      return p.href ? s('a', { href: p.href, 'aria-label': p.title }, dot) : dot;
    });
    const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': ariaLabel },
      s('defs', {}, s('linearGradient', { id: 'scoreFill', x1: 0, x2: 0, y1: 0, y2: 1 },
        s('stop', { offset: '0%', 'stop-color': 'currentColor', 'stop-opacity': '0.22' }),
        s('stop', { offset: '100%', 'stop-color': 'currentColor', 'stop-opacity': '0' }))),
      grid,
      area ? s('path', { class: 'area', d: area, fill: 'url(#scoreFill)' }) : null,
      points.length > 1 ? s('path', { class: 'line', d: line }) : null,
      labels, dots);
    box.replaceChildren(svg, legend || '');
  };
  draw();
  if ('ResizeObserver' in window) {
    let last = 0;
    new ResizeObserver(() => {
      const w = Math.round(box.clientWidth);
      if (w && Math.abs(w - last) > 4) { last = w; draw(); }
    }).observe(box);
  }
  return box;
}

/** A faint placeholder chart with a message, for when there are no scores yet. */
export function emptyChart(message) {
  const grid = [20, 60, 100, 140].map((y) => s('line', { class: 'ghost-grid', x1: 10, x2: 490, y1: y, y2: y }));
  return h('div', { class: 'chart chart-empty', 'data-testid': 'score-chart-empty' },
    s('svg', { viewBox: '0 0 500 160', 'aria-hidden': 'true' }, grid,
      s('path', { class: 'ghost-line', d: 'M20,130 C90,120 120,90 180,96 S290,60 340,66 S440,30 480,26' })),
    h('p', { class: 'muted' }, message));
}

/** Criteria as a radar (3 or more) or horizontal bars; items: [{label, score}]. */
export function criteriaChart(items, { ariaLabel }) {
  if (items.length < 3) return criteriaBars(items, { ariaLabel });
  const size = 340;
  const c = size / 2;
  const r = 118;
  const n = items.length;
  const angle = (i) => -Math.PI / 2 + (2 * Math.PI * i) / n;
  const pt = (i, v) => [c + Math.cos(angle(i)) * (r * clamp(v)) / 100, c + Math.sin(angle(i)) * (r * clamp(v)) / 100];
  const rings = [25, 50, 75, 100].map((v) => s('polygon', {
    class: 'ring', points: items.map((_, i) => pt(i, v).map((q) => q.toFixed(1)).join(',')).join(' '),
  }));
  const spokes = items.map((_, i) => {
    const [x2, y2] = pt(i, 100);
    return s('line', { class: 'spoke', x1: c, y1: c, x2, y2 });
  });
  const shape = s('polygon', { class: 'shape', points: items.map((it, i) => pt(i, it.score).map((q) => q.toFixed(1)).join(',')).join(' ') });
  const dots = items.map((it, i) => {
    const [cx, cy] = pt(i, it.score);
    return s('circle', { class: 'shape-dot', cx, cy, r: 4 }, s('title', {}, `${it.label}: ${it.score}`));
  });
  const labels = items.map((it, i) => {
    const [lx, ly] = pt(i, 122);
    const cos = Math.cos(angle(i));
    const anchor = Math.abs(cos) < 0.2 ? 'middle' : cos > 0 ? 'start' : 'end';
    return s('text', { class: 'radar-label', x: lx.toFixed(1), y: (ly + 4).toFixed(1), 'text-anchor': anchor },
      s('tspan', {}, it.label), s('tspan', { class: 'radar-score', dx: 6 }, String(it.score)));
  });
  return h('div', { class: 'chart chart-radar', 'data-testid': 'criteria-chart' },
    s('svg', { viewBox: `-30 8 ${size + 60} ${size - 16}`, role: 'img', 'aria-label': ariaLabel },
      rings, spokes, shape, dots, labels));
}

export function criteriaBars(items, { ariaLabel }) {
  const rowH = 34;
  const width = 360;
  const labelW = 120;
  const height = items.length * rowH + 8;
  return h('div', { class: 'chart chart-bars', 'data-testid': 'criteria-chart' },
    s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': ariaLabel },
      items.map((it, i) => s('g', { transform: `translate(0 ${i * rowH + 4})` },
        s('text', { class: 'bar-label', x: 0, y: 18 }, it.label),
        s('rect', { class: 'bar-track', x: labelW, y: 6, width: width - labelW - 40, height: 16, rx: 8 }),
        s('rect', { class: 'bar-fill', x: labelW, y: 6, width: ((width - labelW - 40) * clamp(it.score)) / 100, height: 16, rx: 8 }),
        s('text', { class: 'bar-value', x: width - 4, y: 19, 'text-anchor': 'end' }, String(it.score))))));
}

/** A ring gauge for the overall number. */
export function scoreRing(score, { ariaLabel }) {
  const r = 52;
  const len = 2 * Math.PI * r;
  const v = clamp(score);
  return s('svg', { class: 'score-ring', viewBox: '0 0 128 128', role: 'img', 'aria-label': ariaLabel },
    s('circle', { class: 'ring-track', cx: 64, cy: 64, r }),
    s('circle', { class: 'ring-fill', cx: 64, cy: 64, r, 'stroke-dasharray': `${(len * v) / 100} ${len}`, transform: 'rotate(-90 64 64)' }),
    s('text', { class: 'ring-value', x: 64, y: 72, 'text-anchor': 'middle', 'data-testid': 'overall-score' }, String(Math.round(Number(score) || 0))));
}
