/** `/api/v1/nodes…`: the VPN servers (nodes) that serve every key; list, add, change, remove, act. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NODE_ACTIONS } from '../../services/node-actions.ts';
import type { CreateNodeInput, UpdateNodeInput } from '../../services/nodes.service.ts';
import type { Services } from '../../services/index.ts';
import { actorOf } from '../auth.ts';
import { apiSchema } from '../openapi.ts';
import { PageQuery, pageOf, pageSlice } from '../schemas.ts';

const isoDate = z.iso.datetime({ offset: true });
const port = z.number().int().min(1).max(65535);
const text = (max: number) => z.string().trim().min(1).max(max);
const hostPort = text(261).describe('HOST:PORT (an IPv6 host in brackets)');

export const NodeSchema = z
  .object({
    name: z.string(),
    display_name: z.string().describe('shown to users, e.g. "🇩🇪 Frankfurt"'),
    status: z.enum(['up', 'down', 'unknown', 'disabled']),
    since: isoDate.nullable().describe('since when the status holds'),
    transport: z.enum(['local', 'ssh', 'direct']),
    address: z.string().describe('public address written into links'),
    port: z.number().int(),
    sni: z.string(),
    target: z.string(),
    public_key: z.string().nullable().describe('REALITY public key'),
    short_ids: z.array(z.string()),
    enabled: z.boolean(),
    traffic_multiplier: z.number(),
    position: z.number().int(),
    version: z.string().nullable(),
    users: z.number().int().nullable().describe('users in the core at the last check'),
    uptime_seconds: z.number().nullable(),
    rtt_ms: z.number().nullable(),
    memory_bytes: z.number().nullable(),
    cpu_percent: z.number().nullable(),
    last_error: z.string().nullable(),
    last_seen_at: isoDate.nullable(),
    ssh: z
      .object({ user: z.string(), host: z.string(), port: z.number().int(), host_key: z.string().nullable() })
      .nullable(),
    direct: z.string().nullable().describe('direct: HOST:PORT of the core API'),
    remote_dir: z.string().nullable(),
    core_bin: z.string().nullable(),
    api_port: z.number().int().nullable(),
  })
  .meta({ id: 'Node' });

const NodeActionResult = NodeSchema.extend({
  result: z.record(z.string(), z.unknown()).describe('what the action found or did'),
});

/** No step of an SSH node's provisioning starts after this long (each step has its own deadline). */
const SSH_ADD_DEADLINE_MS = 90_000;

const NameParams = z.object({ name: z.string().min(1).max(64) });

const nodeFields = {
  display_name: text(64).nullable().optional().describe('shown to users; null = the name'),
  address: text(253).optional().describe('public address for links'),
  port: port.optional().describe('VLESS port (default 443)'),
  sni: text(253).optional().describe('REALITY server name: a host name'),
  target: hostPort.optional().describe('REALITY target HOST:PORT (default SNI:443)'),
  traffic_multiplier: z.number().min(0).max(100).optional().describe('traffic counts times this'),
  core_bin: text(500).nullable().optional().describe('ssh: the Xray binary on the node'),
  remote_dir: text(500).optional().describe('ssh: the node directory (default /usr/local/etc/xkeeper)'),
  api_port: port.optional().describe("ssh: the Xray API port on the node's loopback (default 10085)"),
};

const CreateNodeBody = z
  .strictObject({
    name: z.string().max(64).describe('1-32 letters, digits, _ or -; fixed once made'),
    ...nodeFields,
    ssh: z
      .strictObject({
        user: text(64),
        host: text(253),
        port: port.optional().describe('default 22'),
        host_key: z
          .string()
          .max(100)
          .optional()
          .describe('pins the host key; without it, the key seen first is pinned'),
      })
      .optional()
      .describe('manage the node over SSH'),
    direct: hostPort.optional().describe("the node's Xray API on a private network, without SSH"),
    enabled: z.boolean().optional().describe('default true'),
  })
  .refine((b) => (b.ssh === undefined) !== (b.direct === undefined), {
    message: 'give exactly one of ssh or direct',
    path: ['direct'],
  });

const UpdateNodeBody = z
  .strictObject({
    ...nodeFields,
    address: nodeFields.address
      .unwrap()
      .nullable()
      .optional()
      .describe('public address; local: null = VLESS_HOST'),
    position: z.number().int().min(0).max(1_000_000).optional().describe('order in lists and subscriptions'),
    direct: hostPort.optional().describe('direct: the core API address'),
    ssh_host_key: z
      .string()
      .max(100)
      .nullable()
      .optional()
      .describe('ssh: the pinned host key (null: pin the next one seen)'),
    enabled: z.boolean().optional().describe('false takes the node out of service; its users are removed'),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'say what to change' });

function toCreateInput(b: z.infer<typeof CreateNodeBody>): CreateNodeInput {
  return {
    name: b.name,
    displayName: b.display_name,
    address: b.address,
    port: b.port,
    sni: b.sni,
    target: b.target,
    transport: b.ssh ? 'ssh' : 'direct',
    ssh: b.ssh && { user: b.ssh.user, host: b.ssh.host, port: b.ssh.port, hostKey: b.ssh.host_key },
    direct: b.direct,
    remoteDir: b.remote_dir,
    coreBin: b.core_bin,
    apiPort: b.api_port,
    trafficMultiplier: b.traffic_multiplier,
    enabled: b.enabled,
  };
}

function toUpdateInput(b: z.infer<typeof UpdateNodeBody>): UpdateNodeInput {
  const patch: UpdateNodeInput = {
    displayName: b.display_name,
    address: b.address,
    port: b.port,
    sni: b.sni,
    target: b.target,
    trafficMultiplier: b.traffic_multiplier,
    position: b.position,
    sshHostKey: b.ssh_host_key,
    coreBin: b.core_bin,
    remoteDir: b.remote_dir,
    apiPort: b.api_port,
    directAddress: b.direct,
  };
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
}

const ACTION_TEXT = {
  check: {
    summary: 'Check a node now',
    description: 'Reaches the node and compares its users with the database.',
  },
  sync: {
    summary: 'Bring a node in line with the database',
    description: 'Sends the users it misses and removes those it should not hold, without a restart.',
  },
  restart: {
    summary: "Restart a node's core",
    description: 'Drops every connection on that node; answers with its state after.',
  },
} as const;

export function nodeRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { nodes } = services;

  r.get(
    '/nodes',
    {
      schema: apiSchema('nodes:read', {
        summary: 'List nodes, in order (local first unless moved)',
        tags: ['nodes'],
        querystring: PageQuery,
        response: { 200: pageOf(NodeSchema) },
      }),
    },
    async (request) => pageSlice(nodes.list().map(nodes.view), request.query),
  );

  r.get(
    '/nodes/:name',
    {
      schema: apiSchema('nodes:read', {
        summary: 'Get a node',
        tags: ['nodes'],
        params: NameParams,
        response: { 200: NodeSchema },
      }),
    },
    async (request) => nodes.view(nodes.get(request.params.name)),
  );

  r.post(
    '/nodes',
    {
      schema: apiSchema('nodes:write', {
        summary: 'Add a node',
        description:
          'Every key joins it. `ssh`: xkeeper logs in with its key (`xkeeper node key`; the host key ' +
          'pinned as given, else as seen), runs the core on the node and answers once the node is ' +
          'ready (seconds; at most about 2 minutes); a failed step answers its NODE_* code and adds ' +
          'nothing. `direct`: xkeeper manages users and traffic over the API address only. ' +
          'Its own REALITY keys are made here.',
        tags: ['nodes'],
        body: CreateNodeBody,
        response: { 201: NodeSchema },
        errors: [409, 502, 504],
      }),
    },
    async (request, reply) => {
      const node = await nodes.add(toCreateInput(request.body), actorOf(request), {
        deadlineMs: SSH_ADD_DEADLINE_MS,
      });
      return reply.status(201).send(nodes.view(node));
    },
  );

  r.patch(
    '/nodes/:name',
    {
      schema: apiSchema('nodes:write', {
        summary: 'Change a node (only the given fields)',
        description:
          'The name and transport are fixed. Port, SNI and target reach the core at its next restart.',
        tags: ['nodes'],
        params: NameParams,
        body: UpdateNodeBody,
        response: { 200: NodeSchema },
      }),
    },
    async (request) => {
      const { name } = request.params;
      const actor = actorOf(request);
      const patch = toUpdateInput(request.body);
      if (Object.keys(patch).length > 0) nodes.update(name, patch, actor);
      const { enabled } = request.body;
      if (enabled !== undefined) {
        if (enabled) nodes.enable(name, actor);
        else nodes.disable(name, actor);
      }
      return nodes.view(nodes.get(name));
    },
  );

  r.delete(
    '/nodes/:name',
    {
      schema: apiSchema('nodes:write', {
        summary: 'Remove a node',
        description:
          'Its users are taken off it first (when it answers); its keys stay (on the other nodes). ' +
          'The local node cannot be removed: disable it.',
        tags: ['nodes'],
        params: NameParams,
        response: { 204: z.null().describe('Removed') },
      }),
    },
    async (request, reply) => {
      await nodes.retire(request.params.name, actorOf(request));
      return reply.status(204).send(null);
    },
  );

  for (const action of NODE_ACTIONS) {
    r.post(
      `/nodes/:name/${action}`,
      {
        schema: apiSchema('nodes:write', {
          ...ACTION_TEXT[action],
          tags: ['nodes'],
          params: NameParams,
          response: { 200: NodeActionResult },
          errors: [503],
        }),
      },
      async (request) => nodes.act(request.params.name, action),
    );
  }
}
