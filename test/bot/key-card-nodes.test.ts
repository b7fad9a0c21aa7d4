/**
 * With several VPN servers the key card's share link (and its QR) is the first node's, in the
 * nodes' order; the subscription lists them all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVlessLink } from '../../src/services/links/vless.ts';
import { LOCAL_NODE } from '../../src/services/nodes.service.ts';
import { codeOf, decodeQr, photoBytes, startUserBot, type UserBot } from '../helpers/user-bot.ts';

const ann = { id: 301, first_name: 'Ann', username: 'ann', language_code: 'en' };

describe('the key card with several nodes', () => {
  let t: UserBot;

  beforeAll(async () => {
    t = await startUserBot();
    t.services.nodes.create(
      {
        name: 'fra',
        displayName: '🇩🇪 Frankfurt',
        address: 'fra.example.net',
        port: 8443,
        transport: 'direct',
        direct: '10.0.0.2:10085',
      },
      'test',
    );
    await t.services.keys.create({ name: 'ann', ownerTelegramId: ann.id }, 'test');
  });
  afterAll(() => t.stop());

  async function cardLink(): Promise<string> {
    t.fake.sendCommand(ann, '/keys');
    const call = await t.fake.waitForReply(ann.id);
    const link = codeOf(t.fake.lastMessageTo(ann.id)!);
    expect(decodeQr(await photoBytes(t.fake, call))).toBe(link);
    return link;
  }

  it('shows the first node’s link, following the nodes’ order', async () => {
    const key = t.services.keys.get('ann');
    const [local, fra] = t.services.view(key).links;
    expect(await cardLink()).toBe(local);

    // Frankfurt first: the card now carries its link, with its own REALITY key.
    t.services.nodes.update(LOCAL_NODE, { position: 10 }, 'test');
    const link = await cardLink();
    expect(link).toBe(fra);
    const ep = t.services.nodes.endpoint(t.services.nodes.get('fra'));
    expect(parseVlessLink(link)).toMatchObject({
      name: '🇩🇪 Frankfurt',
      uuid: key.uuid,
      server: 'fra.example.net',
      port: 8443,
      publicKey: ep.reality.publicKey,
      shortId: ep.reality.shortIds[0],
    });
    expect(t.services.view(key).links).toEqual([fra, local]);
  });
});
