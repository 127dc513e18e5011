import { hostname } from 'node:os';
import {
  advertisedAddress,
  isLoopbackHost,
  isThisMachine,
  parseAdvertise,
  UnreachableAdvertiseError,
} from './advertise';

// The address a server hands to others: --advertise wins, a wildcard or loopback listener is refused when the
// registry is on another machine (its users could not dial what it would register), and is fine when it is local.
// "registry.invalid" is a name that never resolves (RFC 6761): nothing here dials anything.

const wildcard = { host: '0.0.0.0', port: 50061, address: '127.0.0.1:50061' };
const loopback = { host: '127.0.0.1', port: 50061, address: '127.0.0.1:50061' };
const routable = { host: '10.20.0.5', port: 50061, address: '10.20.0.5:50061' };
const REMOTE_REGISTRY = 'registry.invalid:50051';

describe('parseAdvertise', () => {
  it('takes host:port, a bare host, or a bracketed IPv6 address', () => {
    expect(parseAdvertise('10.20.0.5:50061')).toBe('10.20.0.5:50061');
    expect(parseAdvertise(' peer-0.peers ')).toBe('peer-0.peers');
    expect(parseAdvertise('[fd00::5]:50061')).toBe('[fd00::5]:50061');
  });

  it('refuses wildcards, bad ports and junk, saying what is expected', () => {
    expect(() => parseAdvertise('0.0.0.0:50061')).toThrow('wildcard that no other machine can dial');
    expect(() => parseAdvertise('[::]')).toThrow('wildcard');
    expect(() => parseAdvertise('host:70000')).toThrow('--advertise must be host or host:port');
    expect(() => parseAdvertise('a b:1')).toThrow('--advertise must be host or host:port');
  });
});

describe('advertisedAddress', () => {
  it('uses --advertise, giving a bare host the listening port', () => {
    expect(advertisedAddress(wildcard, '10.20.0.5:6000', REMOTE_REGISTRY)).toBe('10.20.0.5:6000');
    expect(advertisedAddress(wildcard, 'laptop-7.lab', REMOTE_REGISTRY)).toBe('laptop-7.lab:50061');
    expect(advertisedAddress(wildcard, '[fd00::5]', REMOTE_REGISTRY)).toBe('[fd00::5]:50061');
  });

  it('refuses a wildcard listener without --advertise when the registry is on another machine', () => {
    expect(() => advertisedAddress(wildcard, undefined, REMOTE_REGISTRY)).toThrow(UnreachableAdvertiseError);
    expect(() => advertisedAddress({ ...wildcard, host: '::' }, undefined, REMOTE_REGISTRY)).toThrow(
      'pass --advertise HOST[:PORT]',
    );
  });

  it('refuses a loopback listener when the registry is on another machine', () => {
    expect(() => advertisedAddress(loopback, undefined, REMOTE_REGISTRY)).toThrow('listening on loopback');
  });

  it('keeps the listening address when it is routable, or when the registry is on this machine', () => {
    expect(advertisedAddress(routable, undefined, REMOTE_REGISTRY)).toBe('10.20.0.5:50061');
    expect(advertisedAddress(wildcard, undefined, '127.0.0.1:50051')).toBe('127.0.0.1:50061');
    expect(advertisedAddress(wildcard, undefined, 'localhost:50051')).toBe('127.0.0.1:50061');
    expect(advertisedAddress(wildcard, undefined, undefined)).toBe('127.0.0.1:50061');
    expect(advertisedAddress(loopback, undefined, `${hostname()}:50051`)).toBe('127.0.0.1:50061');
  });
});

describe('isLoopbackHost', () => {
  it('knows 127.0.0.0/8, ::1 and localhost, and nothing else', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', 'localhost', 'LOCALHOST'])
      expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['10.0.0.1', '0.0.0.0', 'peer-0.peers', '128.0.0.1', '127.example.org'])
      expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('isThisMachine', () => {
  it("knows loopback and this machine's own name, and not a name that resolves nowhere", () => {
    expect(isThisMachine('127.0.0.1')).toBe(true);
    expect(isThisMachine(hostname())).toBe(true);
    expect(isThisMachine('registry.invalid')).toBe(false);
  });
});
