import { describe, expect, it } from 'vitest';
import { orderIdOfPayload } from '../../src/services/payments.service.ts';
import { memoryCoreServices } from '../helpers/db.ts';

function setup() {
  const t = memoryCoreServices();
  t.services.admins.touch({ id: 600, username: 'carol' });
  const { payments } = t.services;
  const month = payments.createPlan(
    { name: 'Month', days: 30, priceStars: 150, prices: { USD: 299 } },
    'test',
  );
  const trial = payments.createPlan({ name: 'Trial', days: 3, isTrial: true }, 'test');
  return { ...t, payments, month, trial };
}

const buy = { description: '30 days', returnUrl: 'https://t.me/bot' };

describe('payments checkout', () => {
  it('opens a Stars invoice for an order, and only offers the ways that can take the plan', async () => {
    const { payments, month } = setup();
    expect(payments.methodsOf(month)).toEqual(['stars']); // no link provider configured
    const checkout = await payments.checkout({ telegramId: 600, planId: month.id, method: 'stars', ...buy });
    expect(checkout).toMatchObject({
      kind: 'invoice',
      currency: 'XTR',
      order: { amount: 150, state: 'created' },
    });
    expect(checkout.kind === 'invoice' && orderIdOfPayload(checkout.payload)).toBe(checkout.order.id);
    await expect(
      payments.checkout({ telegramId: 600, planId: month.id, method: 'cryptopay', ...buy }),
    ).rejects.toMatchObject({ code: 'PLAN_UNAVAILABLE' });
  });

  it('gives a trial at once, once per person, and no trial of a paid plan', async () => {
    const { payments, services, trial, month } = setup();
    const result = await payments.startTrial(600, trial.id);
    expect(result).toMatchObject({ status: 'applied', order: { amount: 0, provider: 'stars' } });
    expect(services.keys.ownedBy(600)).toHaveLength(1);
    await expect(payments.startTrial(600, trial.id)).rejects.toMatchObject({ code: 'TRIAL_USED' });
    await expect(payments.startTrial(600, month.id)).rejects.toMatchObject({ code: 'PLAN_UNAVAILABLE' });
  });
});
