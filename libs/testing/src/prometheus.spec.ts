import { parsePrometheusText } from './prometheus';

describe('parsePrometheusText', () => {
  it('reads samples with labels, histogram series and special values', () => {
    const scrape = parsePrometheusText(
      [
        '# HELP calls_total Calls.',
        '# TYPE calls_total counter',
        'calls_total{method="Say\\"Hi\\"",code="OK"} 3',
        '# TYPE wait_seconds histogram',
        'wait_seconds_bucket{le="0.1"} 1',
        'wait_seconds_bucket{le="+Inf"} 2',
        'wait_seconds_sum 0.35',
        'wait_seconds_count 2',
        '# TYPE offset gauge',
        'offset -Inf',
      ].join('\n'),
    );
    expect(scrape.find('calls_total', { method: 'Say"Hi"' })[0].value).toBe(3);
    expect(scrape.find('wait_seconds_bucket', { le: '+Inf' })[0].value).toBe(2);
    expect(scrape.find('offset')[0].value).toBe(-Infinity);
    expect(scrape.types.get('wait_seconds')).toBe('histogram');
  });

  it('rejects a sample of an undeclared family, a bad value and broken labels', () => {
    expect(() => parsePrometheusText('stray 1')).toThrow('no declared family');
    expect(() => parsePrometheusText('# TYPE a gauge\na one')).toThrow('not a number');
    expect(() => parsePrometheusText('# TYPE a gauge\na{x=1} 1')).toThrow('malformed labels');
    expect(() => parsePrometheusText('# TYPE a meter')).toThrow('unknown type');
  });
});
