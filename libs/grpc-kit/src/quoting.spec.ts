import { quoteClientInput, QUOTE_MAX_CHARS } from './quoting';

describe('quoteClientInput', () => {
  it('quotes short ASCII input as sent', () => {
    expect(quoteClientInput('distlab.greeter.v1.GreeterService')).toBe('"distlab.greeter.v1.GreeterService"');
  });

  it('escapes quotes, control characters and non-ASCII characters', () => {
    expect(quoteClientInput('a"b\\c\n\0é😀')).toBe('"a\\"b\\\\c\\u000a\\u0000\\u00e9\\ud83d\\ude00"');
  });

  it('cuts long input after the limit with an ellipsis, so that a message stays a few hundred bytes', () => {
    const quoted = quoteClientInput('ü'.repeat(10_000));
    expect(quoted.endsWith('..."')).toBe(true);
    expect(quoted.length).toBe(QUOTE_MAX_CHARS * 6 + 5);
    expect(quoteClientInput('x'.repeat(50), 10)).toBe('"xxxxxxxxxx..."');
  });
});
