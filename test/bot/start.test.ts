import type { RunnerHandle } from '@grammyjs/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot, startPolling } from '../../src/bot/index.ts';
import { createFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.ts';
import { silentLogger, testServices } from '../helpers/db.ts';

describe('/start', () => {
  let fake: FakeTelegram;
  let runner: RunnerHandle;
  let services: ReturnType<typeof testServices>['services'];

  beforeAll(async () => {
    fake = await createFakeTelegram();
    const setup = testServices({ TELEGRAM_API_ROOT: fake.apiRoot });
    services = setup.services;
    const bot = createBot({ config: setup.config, services, logger: silentLogger });
    runner = await startPolling(bot);
  });
  afterAll(async () => {
    await runner.stop();
    await fake.close();
  });

  it('answers in Russian to a user whose language_code is ru', async () => {
    fake.sendCommand({ id: 101, first_name: 'Иван', language_code: 'ru' }, '/start');
    const reply = await fake.waitForReply(101);
    expect(reply.params.text).toMatch(/^Привет, Иван!/);
  });

  it('answers in English otherwise, and remembers who wrote', async () => {
    fake.sendCommand({ id: 102, first_name: 'Ann', language_code: 'de', username: 'ann' }, '/start');
    const reply = await fake.waitForReply(102);
    expect(reply.params.text).toMatch(/^Hi, Ann!/);
    expect(services.admins.get(102)).toMatchObject({ username: 'ann', languageCode: 'de', role: 'user' });
  });

  it('answers nothing to a banned user', async () => {
    services.admins.touch({ id: 103 });
    services.db.$client.prepare('UPDATE telegram_users SET banned = 1 WHERE id = 103').run();
    fake.sendCommand({ id: 103, first_name: 'Ban' }, '/start');
    fake.sendCommand({ id: 104, first_name: 'Next' }, '/start');
    await fake.waitForReply(104);
    expect(fake.messagesTo(103)).toHaveLength(0);
  });
});
