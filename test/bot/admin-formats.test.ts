/**
 * Issue 15 item 8: byte units and dates read the same in the user views and the admin
 * views, in the reader's language — the same key, seen by its owner and by an admin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GB } from '../../src/services/keys.service.ts';
import { OWNER, startAdminBot, USER, type AdminHarness } from '../helpers/admin-harness.ts';

const MB = 2 ** 20;
let h: AdminHarness;

beforeAll(async () => {
  h = await startAdminBot();
  await h.services.keys.create(
    {
      name: 'ann',
      ownerTelegramId: USER.id,
      trafficLimitBytes: 10 * GB,
      expireAt: new Date('2026-11-21T12:00:00Z'),
    },
    'test',
  );
  h.memory.traffic('ann', 300 * MB, GB);
  await h.services.traffic.collect();
});
afterAll(() => h.stop());

/** Traffic used, its limit and the expiry date as the owner's /traffic caption shows them. */
async function userFigures(language: string) {
  const text = await h.send({ ...USER, language_code: language }, '/traffic');
  const [, used, limit] = /📶 (.+) (?:of|из) (.+)/.exec(text) ?? [];
  const [, date] = /📅 (?:Valid until|Действует до) (.+) \(/.exec(text) ?? [];
  return { used, limit, date };
}

/** The same figures as the admin's key card (/user NAME) shows them. */
async function adminFigures(language: string) {
  const text = await h.send({ ...OWNER, language_code: language }, '/user ann');
  const [, used, limit] = /(?:Traffic|Трафик): (.+) (?:of|из) (.+?) \(\d+%\)/.exec(text) ?? [];
  const [, date] = /(?:Expires|Действует до) (.+) \(/.exec(text) ?? [];
  return { used, limit, date };
}

describe('units and dates in user and admin views', () => {
  it('a Russian admin reads the figures exactly as a Russian user does', async () => {
    const figures = { used: '1,29 ГБ', limit: '10 ГБ', date: '21 нояб. 2026 г.' };
    expect(await userFigures('ru')).toEqual(figures);
    expect(await adminFigures('ru')).toEqual(figures);
  });

  it('an English admin reads them exactly as an English user does', async () => {
    const figures = { used: '1.29 GB', limit: '10 GB', date: 'Nov 21, 2026' };
    expect(await userFigures('en')).toEqual(figures);
    expect(await adminFigures('en')).toEqual(figures);
  });
});
