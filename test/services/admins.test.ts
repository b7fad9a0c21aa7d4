import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/services/errors.ts';
import { testServices } from '../helpers/db.ts';

describe('admins service', () => {
  it('treats ADMIN_IDS as owners and ranks everyone else as user', () => {
    const { services } = testServices({ ADMIN_IDS: '42' });
    expect(services.admins.roleOf(42)).toBe('owner');
    expect(services.admins.roleOf(7)).toBe('user');
    expect(services.admins.isAdmin(7)).toBe(false);
  });

  it('adds and removes admins, recording an event each time', () => {
    const { services } = testServices({ ADMIN_IDS: '42' });
    expect(services.admins.addAdmin(7, 'tg:42')).toEqual({ telegram_id: 7, role: 'admin' });
    expect(services.admins.isAdmin(7)).toBe(true);
    expect(services.admins.listAdmins()).toEqual(
      expect.arrayContaining([
        { telegram_id: 42, role: 'owner' },
        { telegram_id: 7, role: 'admin' },
      ]),
    );
    services.admins.removeAdmin(7, 'tg:42');
    expect(services.admins.roleOf(7)).toBe('user');
    const types = services.events.list().items.map((e) => e.type);
    expect(types).toEqual(['admin.removed', 'admin.added']);
  });

  it('keeps a touched profile and does not demote an admin on the next message', () => {
    const { services } = testServices();
    services.admins.addAdmin(7, 'cli');
    const person = services.admins.touch({ id: 7, username: 'ann', languageCode: 'ru' });
    expect(person).toMatchObject({ id: 7, username: 'ann', languageCode: 'ru', role: 'admin' });
  });

  it('refuses to remove an owner and rejects bad ids', () => {
    const { services } = testServices({ ADMIN_IDS: '42' });
    expect(() => services.admins.removeAdmin(42, 'cli')).toThrow(/owner/);
    try {
      services.admins.addAdmin(-5, 'cli');
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, 'INVALID_TELEGRAM_ID')).toBe(true);
    }
  });
});
