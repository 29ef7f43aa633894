import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { requireFreePort } from '../ops/process';

describe('starting embedded services', () => {
  it('refuses a port another program already listens on, naming the variable that moves it', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    await expect(requireFreePort(port, 'PostgreSQL', 'LANTAI_PG_PORT')).rejects.toThrow(
      `port ${port} for PostgreSQL is already in use by another program; stop it, or choose another port with LANTAI_PG_PORT`,
    );
    await new Promise((r) => server.close(r));
    await expect(requireFreePort(port, 'PostgreSQL', 'LANTAI_PG_PORT')).resolves.toBeUndefined();
  });
});
