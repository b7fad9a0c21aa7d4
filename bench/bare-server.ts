/**
 * The baseline of the product's reads: a bare Fastify route answering the body in argv[2]
 * (a file) from memory, in a process of its own like the product. Prints "PORT <n>".
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';

const body: unknown = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8'));
const app = Fastify();
app.get('/users/:username', async () => body);
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`PORT ${(app.server.address() as AddressInfo).port}\n`);
