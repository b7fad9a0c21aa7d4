/**
 * The add-node progress as the admin reads it: one line per step of `services.nodes.add`
 * (the CLI's `node add` steps), in the order they started, each with its state and what it
 * found, the failing one with its reason.
 */
import type { NodeAddProgress } from '../../../../services/node-provisioning.ts';
import { esc, type Translator } from '../../../kit/index.ts';

const MARK: Record<NodeAddProgress['status'], string> = {
  running: '⏳',
  done: '✅',
  skipped: '➖',
  failed: '❌',
};

/** A step's detail is the service's text (a reason may be long): bounded to keep the message valid. */
const MAX_DETAIL = 600;

/** The steps seen so far, each as last reported. */
export class AddProgress {
  private readonly steps = new Map<NodeAddProgress['step'], NodeAddProgress>();

  record(progress: NodeAddProgress): void {
    this.steps.set(progress.step, progress);
  }

  /** The step lines (empty before the first step). */
  lines(ctx: Translator): string {
    return [...this.steps.values()]
      .map(({ step, status, detail }) => {
        const line = `${MARK[status]} ${ctx.t(`admin-node-step-${step}`)}`;
        if (!detail) return line;
        const shown = detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail;
        return `${line}: <code>${esc(shown)}</code>`;
      })
      .join('\n');
  }
}
