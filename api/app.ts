import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomUUID } from 'node:crypto';
import express from 'express';
import { pinoHttp } from 'pino-http';
import { createMetrics } from '../use-cases/metrics';
import { actorForToken } from '../use-cases/sign-in';
import type { ApiContext } from './context';
import { errorHandler, notFound } from './errors';
import { metricsRoutes, recordRequests } from './metrics-routes';
import { apiRoutes } from './routes';
import { mountRoutes, openApiDocument, route } from './route';
import { OpenApiDocument } from './views/system';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

export function createApp(ctx: ApiContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    pinoHttp({
      logger: ctx.log,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
    }),
  );

  const metrics = createMetrics(ctx);
  app.use(recordRequests(metrics));
  const routes = apiRoutes(ctx);
  const documented = [
    ...routes,
    ...metricsRoutes(ctx, metrics),
    route({
      method: 'get',
      path: '/openapi.json',
      tag: 'system',
      auth: false,
      summary: 'This OpenAPI document',
      offline: true,
      response: { status: 200, description: 'OpenAPI 3.1', schema: OpenApiDocument },
      handle: () => Promise.resolve(doc),
    }),
  ];
  const doc = openApiDocument(documented, { version: '0.1.0' });
  const router = express.Router();
  mountRoutes(router, documented, (req) => actorForToken(ctx, req.headers.authorization));
  app.use(router);
  app.use((req) => {
    throw notFound(`${req.method} ${req.path}`);
  });
  app.use(errorHandler);
  return app;
}

/**
 * Idle keep-alive connections stay open longer than a client's or a proxy's own reuse timeout (Node's default 5 s
 * is shorter than most), so the server never closes a connection just as a client sends its next request on it.
 */
export function keepIdleConnections(server: Server): void {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
}

/**
 * The API's server, listening: https only when a certificate is configured (a plain-http request on that port gets
 * no answer but a closed connection), plain http otherwise.
 */
export async function listenApi(
  app: express.Express,
  { host, port, tls }: { host: string; port: number; tls: { cert: string; key: string } | undefined },
): Promise<Server> {
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, app) : createHttpServer(app);
  keepIdleConnections(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
