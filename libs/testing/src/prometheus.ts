/** One sample of a scraped metric: its name, labels and value. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A scrape parsed and checked: every sample, and the declared type of every metric family. */
export interface Scrape {
  samples: MetricSample[];
  types: Map<string, string>;
  /** The samples of one name whose labels include all of `labels`. */
  find(name: string, labels?: Record<string, string>): MetricSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Parses Prometheus text exposition format (version 0.0.4) strictly enough to catch a malformed endpoint: every line
 * is a HELP, a TYPE or a sample; every sample belongs to a family declared by TYPE before it (histograms' _bucket,
 * _sum and _count included); values are numbers, Inf or NaN. Throws naming the first bad line.
 */
export function parsePrometheusText(text: string): Scrape {
  const samples: MetricSample[] = [];
  const types = new Map<string, string>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const fail = (why: string) => new Error(`line ${index + 1} of the scrape ${why}: ${line.slice(0, 200)}`);
    if (line.startsWith('#')) {
      const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (comment === null) continue; // Other comments are allowed and ignored.
      if (!new RegExp(`^${NAME}$`).test(comment[2])) throw fail('names an invalid metric');
      if (comment[1] === 'TYPE') {
        if (!TYPES.has(comment[3])) throw fail('declares an unknown type');
        types.set(comment[2], comment[3]);
      }
      continue;
    }
    const match = SAMPLE_LINE.exec(line);
    if (match === null) throw fail('is not a sample');
    const [, name, labelText = '', valueText] = match;
    const value = parseValue(valueText);
    if (value === undefined) throw fail('has a value that is not a number');
    const family = familyOf(name, types);
    if (family === undefined) throw fail('has a sample of no declared family');
    samples.push({ name, labels: parseLabels(labelText, fail), value });
  }
  return {
    samples,
    types,
    find: (name, labels = {}) =>
      samples.filter(
        (sample) =>
          sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
      ),
  };
}

/** A sample value as Prometheus's parser (Go's ParseFloat) reads it: NaN and Inf in any case, as prom-client writes "Nan". */
function parseValue(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (/^[+-]?inf(inity)?$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  const value = Number(text);
  return Number.isNaN(value) || text.trim() === '' ? undefined : value;
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count|total|created)$/, '');
  return types.has(base) ? base : undefined;
}

function parseLabels(text: string, fail: (why: string) => Error): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const match = LABEL.exec(text);
    if (match === null || match.index !== start) throw fail('has malformed labels');
    labels[match[1]] = match[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return labels;
}

/** Fetches a /metrics URL and parses it; fails unless it answers 200 with Prometheus's text content type. */
export async function scrapeMetrics(url: string): Promise<Scrape> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith('text/plain') || !contentType.includes('version=0.0.4'))
    throw new Error(`${url} answered with content type "${contentType}", not Prometheus text 0.0.4`);
  return parsePrometheusText(await response.text());
}
