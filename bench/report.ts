// The bench's outputs: the figures with their targets, as JSON, a markdown table and an SVG
// chart of each figure against its target (baseline beside it when there is one).
import type { Figure } from './lib/stats.ts';

export type Key =
  | 'handler_added_us_p50'
  | 'handler_added_us_p99'
  | 'handler_cpu_us_per_request'
  | 'local_rps_ratio_to_floor_proxy'
  | 'bundle_bytes_min'
  | 'bundle_bytes_gzip'
  | 'cold_import_ms_over_empty'
  | 'cold_dependencies_ms_over_empty'
  | 'ssm_calls_per_10k_requests'
  | 'lmi_rps'
  | 'lmi_rps_ratio_to_floor_proxy'
  | 'lmi_added_ms_p99'
  | 'lmi_cpu_us_per_request'
  | 'lmi_rss_mb'
  | 'lmi_rss_growth_mb';

export const KEYS: Key[] = [
  'handler_added_us_p50',
  'handler_added_us_p99',
  'handler_cpu_us_per_request',
  'local_rps_ratio_to_floor_proxy',
  'bundle_bytes_min',
  'bundle_bytes_gzip',
  'cold_import_ms_over_empty',
  'cold_dependencies_ms_over_empty',
  'ssm_calls_per_10k_requests',
  'lmi_rps',
  'lmi_rps_ratio_to_floor_proxy',
  'lmi_added_ms_p99',
  'lmi_cpu_us_per_request',
  'lmi_rss_mb',
  'lmi_rss_growth_mb',
];

export interface Target {
  op: '<=' | '>=';
  value: number;
  text: string;
}

export interface Results extends Record<Key, number> {
  spread: Record<Key, Figure>;
  targets: Partial<Record<Key, Target>>;
  met: Partial<Record<Key, boolean>>;
  raw: Record<string, unknown>;
  machine: { cpus: number; cpuModel: string; node: string; platform: string; date: string; loadavg: number[] };
  durationS: number;
}

const LABELS: Record<Key, string> = {
  handler_added_us_p50: 'handler added latency p50 (µs)',
  handler_added_us_p99: 'handler added latency p99 (µs)',
  handler_cpu_us_per_request: 'handler CPU per request (µs)',
  local_rps_ratio_to_floor_proxy: 'local mode req/s ÷ floor proxy',
  bundle_bytes_min: 'bundle, minified (bytes)',
  bundle_bytes_gzip: 'bundle, gzipped (bytes)',
  cold_import_ms_over_empty: 'cold import + first answer over empty (ms)',
  cold_dependencies_ms_over_empty: 'the same, dependencies only (ms)',
  ssm_calls_per_10k_requests: 'SSM calls per 10k requests',
  lmi_rps: 'LMI shape (2 threads × 64): req/s',
  lmi_rps_ratio_to_floor_proxy: 'LMI shape req/s ÷ floor proxy, same shape',
  lmi_added_ms_p99: 'LMI shape added latency p99 (ms)',
  lmi_cpu_us_per_request: 'LMI shape CPU per request (µs)',
  lmi_rss_mb: 'LMI shape RSS at the end (MB)',
  lmi_rss_growth_mb: 'LMI shape RSS growth (MB)',
};

export function isMet(value: number, target: Target): boolean {
  return target.op === '<=' ? value <= target.value : value >= target.value;
}

const format = (key: Key, value: number): string => {
  if (key.startsWith('bundle_bytes')) return `${Math.round(value).toLocaleString('en-US')}`;
  if (key === 'local_rps_ratio_to_floor_proxy' || key === 'lmi_rps_ratio_to_floor_proxy') return value.toFixed(2);
  if (key === 'ssm_calls_per_10k_requests') return String(value);
  return value.toFixed(Math.abs(value) < 100 ? 1 : 0);
};

/** A figure's value in a table cell; `—` when a results file predates the figure. */
const cell = (key: Key, value: number | undefined): string => (value === undefined ? '—' : format(key, value));

export function markdown(results: Results, baseline?: Results): string {
  const head = baseline
    ? '| figure | baseline | now (median) | spread (min – max) | target | met |\n| --- | ---: | ---: | --- | --- | --- |'
    : '| figure | median | spread (min – max) | target | met |\n| --- | ---: | --- | --- | --- |';
  const rows = KEYS.map((key) => {
    const spread = results.spread[key];
    const target = results.targets[key];
    const met = results.met[key];
    const cells = [
      `\`${key}\``,
      ...(baseline ? [cell(key, baseline[key])] : []),
      format(key, results[key]),
      `${format(key, spread.min)} – ${format(key, spread.max)}`,
      target ? target.text : '—',
      met === undefined ? '—' : met ? 'yes' : '**no**',
    ];
    return `| ${cells.join(' | ')} |`;
  });
  const m = results.machine;
  return [
    `# Bench results`,
    '',
    `${m.date}, ${m.cpus} × ${m.cpuModel}, Node ${m.node} (${m.platform}); \`npm run bench\` took ${Math.round(results.durationS)} s.`,
    'Each figure is the median of several rounds; the spread is the lowest and highest round.',
    '',
    head,
    ...rows,
    '',
  ].join('\n');
}

/** Several runs side by side (medians), the last one's targets and whether it meets them. */
export function comparison(runs: Array<{ label: string; results: Results }>): string {
  const last = runs.at(-1)?.results;
  if (!last) return '';
  const head = `| figure | ${runs.map((r) => r.label).join(' | ')} | target | met |`;
  const rule = `| --- | ${runs.map(() => '---:').join(' | ')} | --- | --- |`;
  const rows = KEYS.map((key) => {
    const met = last.met[key];
    const values = runs.map((r) => cell(key, r.results[key]));
    return `| \`${key}\` | ${values.join(' | ')} | ${last.targets[key]?.text ?? '—'} | ${met === undefined ? '—' : met ? 'yes' : '**no**'} |`;
  });
  return [head, rule, ...rows, ''].join('\n');
}

const escape = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * Horizontal bars, one row per figure that has a target, scaled so that the target sits on
 * the same vertical line for all of them (green when met). The baseline, when given, is the
 * thin grey bar above.
 */
export function svg(results: Results, baseline?: Results): string {
  const keys = KEYS.filter((key) => results.targets[key] !== undefined);
  const labelW = 300;
  const barW = 360;
  const valueW = 270;
  const rowH = baseline ? 44 : 34;
  const top = 52;
  const width = labelW + barW + valueW;
  const height = top + keys.length * rowH + 30;
  const scale = barW / 2; // the target line at half the width: bars show 0 to 2 × target
  const x0 = labelW;
  const bar = (fraction: number): number => Math.round(Math.max(1, Math.min(barW, fraction * scale)) * 10) / 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">contract-adapter bench: each figure against its target</text>`,
    `<text x="12" y="40" fill="#555">${escape(`${results.machine.date.slice(0, 16)} UTC, ${results.machine.cpus} CPUs, Node ${results.machine.node}. Bar = figure ÷ target; green = target met${baseline ? '; grey = baseline' : ''}`)}</text>`,
  ];
  keys.forEach((key, i) => {
    const target = results.targets[key] as Target;
    const y = top + i * rowH;
    const value = results[key];
    const ok = results.met[key] === true;
    parts.push(`<text x="12" y="${y + rowH / 2 + 4}">${escape(LABELS[key])}</text>`);
    let barY = y + 8;
    // A baseline that predates the figure has no bar for it.
    const before = baseline?.[key] as number | undefined;
    if (baseline) {
      if (before !== undefined) parts.push(`<rect x="${x0}" y="${barY}" width="${bar(before / target.value)}" height="8" fill="#bbb"/>`);
      barY += 11;
    }
    parts.push(`<rect x="${x0}" y="${barY}" width="${bar(value / target.value)}" height="14" fill="${ok ? '#2e7d32' : '#c62828'}"/>`);
    // Past twice the target the bar stops at the edge; an arrow says it goes on.
    if (value / target.value > 2) parts.push(`<text x="${x0 + barW - 10}" y="${barY + 11}" fill="#fff">▶</text>`);
    const text = `${format(key, value)}${baseline ? ` (was ${cell(key, before)})` : ''}  ${target.text}`;
    parts.push(`<text x="${x0 + barW + 8}" y="${y + rowH / 2 + 4}">${escape(text)}</text>`);
  });
  const lineX = x0 + scale;
  parts.push(`<line x1="${lineX}" y1="${top - 4}" x2="${lineX}" y2="${top + keys.length * rowH}" stroke="#000" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${lineX - 16}" y="${top + keys.length * rowH + 16}" fill="#555">target</text>`);
  parts.push('</svg>', '');
  return parts.join('\n');
}
