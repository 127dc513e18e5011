import { Metadata } from '@grpc/grpc-js';
import { CLIENT_ADDRESS_HEADER, clientOf } from './client-address';

const call = (peer: string, forwarded?: string) => {
  const metadata = new Metadata();
  if (forwarded !== undefined) metadata.set(CLIENT_ADDRESS_HEADER, forwarded);
  return { metadata, getPeer: () => peer };
};

describe('clientOf', () => {
  it('is the address the proxy forwarded, when there is one', () => {
    expect(clientOf(call('127.0.0.1:40000', '192.168.1.23'))).toBe('192.168.1.23');
  });

  it("is the peer's host without its port for a call that did not cross the proxy", () => {
    expect(clientOf(call('127.0.0.1:40000'))).toBe('127.0.0.1');
    expect(clientOf(call('[::1]:40000'))).toBe('::1');
  });

  it('counts an IPv4 client seen through an IPv6 socket as the IPv4 address, and caps what it keeps', () => {
    expect(clientOf(call('127.0.0.1:1', '::ffff:10.0.0.7'))).toBe('10.0.0.7');
    expect(clientOf(call('127.0.0.1:1', 'x'.repeat(1000)))).toHaveLength(64);
  });
});
