import { describe, expect, it } from 'vitest';
import { renderNodeConfig } from '../../src/core/node-config.ts';
import { testServices } from '../helpers/db.ts';

describe('a remote node config', () => {
  it('carries the node endpoint, its own REALITY key, its users, and refuses VPN traffic to loopback', () => {
    const { services } = testServices();
    const node = services.nodes.create(
      {
        name: 'de',
        address: 'de.example.com',
        port: 8443,
        sni: 'www.apple.com',
        transport: 'ssh',
        ssh: { user: 'root', host: '10.0.0.2' },
      },
      'test',
    );
    const config = renderNodeConfig({
      flavor: 'xray',
      apiPort: node.apiPort!,
      endpoint: services.nodes.endpoint(node),
      users: [{ name: 'alice', uuid: '11111111-1111-4111-8111-111111111111' }],
      blockPrivateNetworks: false,
    });
    const text = JSON.stringify(config);
    const inbounds = config.inbounds as { tag: string; port: number; listen?: string }[];
    expect(inbounds.find((i) => i.tag === 'vless')?.port).toBe(8443);
    expect(inbounds.find((i) => i.tag === 'api')).toMatchObject({ listen: '127.0.0.1', port: 10085 });
    expect(text).toContain(node.realityPrivateKey!);
    expect(text).toContain('www.apple.com:443');
    expect(text).toContain('11111111-1111-4111-8111-111111111111');
    expect(text).toContain('127.0.0.0/8');
  });
});
