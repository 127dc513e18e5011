import { clientHostOf, normalizedHost } from './client-host';
import { Code } from './status';
import { StreamSlots } from './stream-slots';

// The bounds on long-lived streams: per client, so that one client cannot take every slot, and in total.

const limits = { total: 5, perClient: 2, what: 'watchers', instead: 'poll' };
const refusal = (words: string) =>
  expect.objectContaining({ code: Code.RESOURCE_EXHAUSTED, message: expect.stringContaining(words) });

describe('stream slots', () => {
  it('give one client at most its share, and leave the rest to the others', () => {
    const slots = new StreamSlots(limits);
    slots.take('10.0.0.1');
    slots.take('10.0.0.1');
    expect(() => slots.take('10.0.0.1')).toThrow(refusal('10.0.0.1 already has 2 watchers open here'));
    // Another client is still served.
    slots.take('10.0.0.2');
    expect(slots.open).toBe(3);
  });

  it('hold the total across clients, and give a slot back once, however often it is released', () => {
    const slots = new StreamSlots(limits);
    const releases = ['a', 'a', 'b', 'b', 'c'].map((client) => slots.take(client));
    expect(() => slots.take('d')).toThrow(refusal('this server already has 5 watchers: close one, or poll'));
    releases[0]();
    releases[0]();
    expect(slots.open).toBe(4);
    slots.take('d');
    expect(() => slots.take('e')).toThrow(refusal('already has 5'));
    // 'a' holds one again, so it may take one more; then its share is full.
    releases[4]();
    slots.take('a');
    expect(() => slots.take('a')).toThrow(refusal('a already has 2'));
  });
});

describe('the client of a call', () => {
  it('is the host of its connection, without the port, IPv4 alike over IPv6, and bounded', () => {
    expect(clientHostOf('127.0.0.1:40000')).toBe('127.0.0.1');
    expect(clientHostOf('[::1]:40000')).toBe('::1');
    expect(clientHostOf('[::ffff:10.0.0.7]:5')).toBe('10.0.0.7');
    expect(normalizedHost('x'.repeat(1000))).toHaveLength(64);
  });
});
