/**
 * The CLI's `node …` operations (issue 17): the VPN servers that serve every key. They call
 * the same entry points of services.nodes as `/api/v1/nodes`; results are the node JSON.
 */
import { z } from 'zod';
import type { Node } from '../db/schema.ts';
import { AppError } from '../services/errors.ts';
import type { Services } from '../services/index.ts';
import type { NodeAddProgress } from '../services/node-provisioning.ts';
import { parseHostPort, parseSshTarget, type UpdateNodeInput } from '../services/nodes.service.ts';
import { number, op, text, unchanged, whole } from './operation.ts';

const nodeName = text('NAME must be a node name', 64);
const port = (flag: string) => number(`${flag} must be a port (1-65535)`, whole(1, 65_535));
const hostPort = (flag: string) =>
  z
    .string({ error: `${flag} must be HOST:PORT` })
    .refine((v) => parseHostPort(v) !== null, { error: `${flag} must be HOST:PORT` });
/** Text that "" clears (null). */
const clearable = (flag: string, max: number) =>
  z
    .string({ error: `${flag} must be text` })
    .max(max, { error: `${flag} must be at most ${max} characters` })
    .transform((v) => (v.trim() === '' ? null : v.trim()));
const hostText = (flag: string) => text(`${flag} must be a host name or address`, 253);

const sshTarget = z.string().transform((value, ctx) => {
  const target = parseSshTarget(value);
  if (!target) {
    ctx.addIssue({ code: 'custom', message: `--ssh must be USER@HOST[:PORT] (got ${value})` });
    return z.NEVER;
  }
  return target;
});

/** What `node add` and `node set` share. */
const nodeFields = {
  address: hostText('--address').optional(),
  port: port('--port').optional(),
  sni: hostText('--sni').optional(),
  displayName: clearable('--display-name', 64).optional(),
  coreBin: text('--core-bin must be a path', 500).optional(),
  remoteDir: text('--remote-dir must be a path', 500).optional(),
};

const setFields = {
  ...nodeFields,
  target: hostPort('--target').optional(),
  multiplier: number('--multiplier must be a number from 0 to 100', (n) => n >= 0 && n <= 100).optional(),
  position: number('--position must be a whole number from 0', whole(0, 1_000_000)).optional(),
  apiPort: port('--api-port').optional(),
  direct: hostPort('--direct').optional(),
  hostKey: text('--host-key must be SHA256:…', 100).optional(),
};

type SetArgs = { [K in keyof typeof setFields]?: z.infer<(typeof setFields)[K]> };

function setInput(a: SetArgs): UpdateNodeInput {
  const patch: UpdateNodeInput = {
    displayName: a.displayName,
    address: a.address,
    port: a.port,
    sni: a.sni,
    target: a.target,
    trafficMultiplier: a.multiplier,
    position: a.position,
    sshHostKey: a.hostKey,
    coreBin: a.coreBin,
    remoteDir: a.remoteDir,
    apiPort: a.apiPort,
    directAddress: a.direct,
  };
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
}

/** Whether the node already holds every value of the patch (the names are the row's). */
function holds(node: Node, patch: UpdateNodeInput): boolean {
  return Object.entries(patch).every(([field, value]) => node[field as keyof Node] === value);
}

function setEnabled(services: Services, name: string, enabled: boolean, actor: string) {
  const { node, changed } = enabled
    ? services.nodes.enable(name, actor)
    : services.nodes.disable(name, actor);
  const view = services.nodes.view(node);
  return changed
    ? view
    : unchanged(view, `node ${node.name} was already ${enabled ? 'enabled' : 'disabled'}`);
}

/** One line of `node add`'s progress, as the operator reads it on stderr. */
function progressLine(p: NodeAddProgress): string {
  const mark = { running: '…', done: '✓', skipped: '-', failed: '✗' }[p.status];
  return `${mark} ${p.step}${p.detail ? `: ${p.detail}` : p.status === 'running' ? '' : ` ${p.status}`}`;
}

export const nodeOperations = {
  'node.list': op(z.object({}), (services) => services.nodes.list().map(services.nodes.view)),
  'node.show': op(z.object({ name: nodeName }), (services, a) =>
    services.nodes.view(services.nodes.get(a.name)),
  ),
  'node.add': op(
    z.object({
      name: nodeName,
      ssh: sshTarget.optional(),
      direct: hostPort('--direct').optional(),
      hostKey: text('--host-key must be SHA256:…', 100).optional(),
      passwordOnce: z.boolean().optional(),
      /** Read by the CLI from the terminal or stdin for --password-once; never from argv. */
      password: z.string({ error: 'the password must be text' }).min(1).max(1024).optional(),
      ...nodeFields,
    }),
    async (services, a, actor, context) => {
      if ((a.ssh === undefined) === (a.direct === undefined)) {
        throw new AppError('VALIDATION_FAILED', 'give one of --ssh USER@HOST[:PORT] or --direct HOST:PORT');
      }
      if (a.direct !== undefined && (a.hostKey || a.passwordOnce)) {
        throw new AppError('VALIDATION_FAILED', '--host-key and --password-once go with --ssh');
      }
      if (a.passwordOnce && a.password === undefined) {
        throw new AppError(
          'VALIDATION_FAILED',
          '--password-once needs the password on stdin or the terminal',
        );
      }
      const node = await services.nodes.add(
        {
          name: a.name,
          displayName: a.displayName,
          address: a.address,
          port: a.port,
          sni: a.sni,
          transport: a.ssh ? 'ssh' : 'direct',
          ssh: a.ssh && { ...a.ssh, hostKey: a.hostKey },
          direct: a.direct,
          coreBin: a.coreBin,
          remoteDir: a.remoteDir,
        },
        actor,
        {
          password: a.passwordOnce ? a.password : undefined,
          onProgress: (p) => context.progress(progressLine(p)),
        },
      );
      if (node.transport === 'direct') {
        context.progress(
          `note: ${node.name} is reached directly; xkeeper manages its users and traffic only (its core, config and restarts stay yours)`,
        );
      }
      return services.nodes.view(node);
    },
  ),
  'node.set': op(z.object({ name: nodeName, ...setFields }), (services, a, actor) => {
    const patch = setInput(a);
    if (Object.keys(patch).length === 0) {
      throw new AppError(
        'VALIDATION_FAILED',
        'say what to change: --display-name, --address, --port, --sni, --target, --multiplier, --position, ' +
          '--api-port, --direct, --host-key, --core-bin or --remote-dir',
      );
    }
    const node = services.nodes.get(a.name);
    if (holds(node, patch))
      return unchanged(services.nodes.view(node), `node ${node.name} already had these values`);
    return services.nodes.view(services.nodes.update(a.name, patch, actor));
  }),
  'node.enable': op(z.object({ name: nodeName }), (services, a, actor) =>
    setEnabled(services, a.name, true, actor),
  ),
  'node.disable': op(z.object({ name: nodeName }), (services, a, actor) =>
    setEnabled(services, a.name, false, actor),
  ),
  'node.remove': op(z.object({ name: nodeName }), async (services, a, actor) => {
    const { node, drained } = await services.nodes.retire(a.name, actor);
    return { ...services.nodes.view(node), removed: true, drained };
  }),
  'node.key': op(z.object({}), async (services) => ({ public_key: await services.provisioner.publicKey() })),
  'node.check': op(z.object({ name: nodeName }), (services, a) => services.nodes.act(a.name, 'check')),
  'node.sync': op(z.object({ name: nodeName }), (services, a) => services.nodes.act(a.name, 'sync')),
  'node.restart': op(z.object({ name: nodeName }), (services, a) => services.nodes.act(a.name, 'restart')),
};
