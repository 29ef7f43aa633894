import type { AddressInfo } from 'node:net';
import { createApp } from '../api/app';
import type { ApiContext } from '../api/context';
import { log, testConfig } from './helpers';

interface Operation {
  operationId: string;
  responses: Record<string, { description: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
}

let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

beforeAll(async () => {
  // The document is built from the route table alone: no service is reached for it.
  const app = createApp({ config: testConfig(), log } as ApiContext);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json`);
    doc = (await res.json()) as typeof doc;
  } finally {
    server.close();
  }
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));

describe('the OpenAPI document', () => {
  it('describes the body of every response of every operation', () => {
    expect(operations().length).toBeGreaterThan(60);
    const missing = operations().flatMap(({ path, method, op }) =>
      Object.entries(op.responses).flatMap(([status, response]) => {
        const content = Object.entries(response.content ?? {});
        if (content.length === 0) return [`${method.toUpperCase()} ${path} ${status}: no content`];
        return content.flatMap(([type, media]) =>
          !media.schema || Object.keys(media.schema).length === 0 ? [`${method.toUpperCase()} ${path} ${status} ${type}: no schema`] : [],
        );
      }),
    );
    expect(missing).toEqual([]);
  });

  it('gives every error the error body, and every JSON success a described shape', () => {
    const wrong = operations().flatMap(({ path, method, op }) =>
      Object.entries(op.responses).flatMap(([status, response]) => {
        const json = response.content?.['application/json']?.schema;
        const name = `${method.toUpperCase()} ${path} ${status}`;
        if (Number(status) >= 400) {
          // /health answers 503 with its report, as it does 200.
          const success = Object.entries(op.responses).find(([s]) => Number(s) < 300)?.[1].content;
          const asSuccess = JSON.stringify(response.content) === JSON.stringify(success);
          return json?.$ref === '#/components/schemas/Error' || asSuccess ? [] : [`${name}: not the error body`];
        }
        if (json) return json.type || json.anyOf || json.oneOf ? [] : [`${name}: a schema of no type`];
        const binary = Object.values(response.content ?? {}).every((m) => m.schema?.format === 'binary');
        return binary ? [] : [`${name}: neither JSON nor a document`];
      }),
    );
    expect(wrong).toEqual([]);
    expect(doc.components.schemas.Error).toMatchObject({ required: ['error'] });
  });

  it('names documents by their media type', () => {
    const pdf = doc.paths['/destruction-lists/{id}/documents/{name}']!.get!.responses['200']!.content!;
    expect(Object.keys(pdf)).toEqual(['application/pdf']);
    const volume = doc.paths['/volume-assemblies/{id}/documents/{name}']!.get!.responses['200']!.content!;
    expect(Object.keys(volume).sort()).toEqual(['application/pdf', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']);
  });

  it('lists the statuses a route answers besides its usual one, with the same body', () => {
    const register = doc.paths['/items']!.post!.responses;
    expect(Object.keys(register)).toEqual(expect.arrayContaining(['200', '201', '400', '401', '403', '409', '413', '415', '503']));
    expect(register['200']!.content).toEqual(register['201']!.content);
    const health = doc.paths['/health']!.get!.responses;
    expect(health['503']!.content).toEqual(health['200']!.content);
  });
});
