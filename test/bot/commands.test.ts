import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_COMMANDS, publishCommands, USER_COMMANDS } from '../../src/bot/commands.ts';
import { createBot } from '../../src/bot/index.ts';
import { createFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.ts';
import { silentLogger, testServices } from '../helpers/db.ts';

describe('the command list in Telegram', () => {
  let fake: FakeTelegram;
  beforeAll(async () => {
    fake = await createFakeTelegram();
  });
  afterAll(() => fake.close());

  it('publishes user commands for everyone and admin commands in admin chats, in both languages', async () => {
    const { services, config } = testServices({ TELEGRAM_API_ROOT: fake.apiRoot, ADMIN_IDS: '42' });
    const bot = createBot({ config, services, logger: silentLogger });
    await publishCommands(bot.api, services, silentLogger);
    const calls = fake.calls.filter((c) => c.method === 'setMyCommands');
    const find = (lang: string | undefined, chat?: number) =>
      calls.find(
        (c) =>
          c.params.language_code === lang &&
          ((c.params.scope as { chat_id?: number } | undefined)?.chat_id ?? undefined) === chat,
      );
    const names = (lang: string | undefined, chat?: number) =>
      (find(lang, chat)?.params.commands as Array<{ command: string }>).map((c) => c.command);
    expect(names(undefined)).toEqual([...USER_COMMANDS]);
    expect(names('ru')).toEqual([...USER_COMMANDS]);
    expect(names(undefined, 42)).toEqual([...USER_COMMANDS, ...ADMIN_COMMANDS]);
    const ru = find('ru')?.params.commands as Array<{ description: string }>;
    expect(ru[0]?.description).toBe('Главное меню');
  });
});
