import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from '../helpers/dialects.js';
import { ADMIN_AUTH, startTestServer, type TestServer } from '../helpers/server.js';

const dialects = await availableDialects();
const HUGE = '99999999999999999999';

// An id or cursor no row can have is a 400 from validation, never a database overflow (500).
describe.each(dialects)('ids and cursors out of range (%s)', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, auth: 'token' });
    await server.wharf.access.createProject({ name: 'team', public: false });
  });
  afterAll(() => server?.stop());

  const call = async (method: string, path: string) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: ADMIN_AUTH },
    });
    return { status: res.status, body: (await res.json()) as { errors: { code: string }[] } };
  };

  it.each([
    ['DELETE', `/projects/team/promotions/${HUGE}`],
    ['DELETE', `/projects/team/immutability-rules/${HUGE}`],
    ['GET', `/projects/team/retention/runs/${HUGE}`],
    ['GET', `/projects/team/webhooks/${HUGE}`],
    ['GET', `/replication/policies/${HUGE}`],
    ['GET', `/replication/executions/${HUGE}`],
    ['GET', '/replication/executions?last=abc'],
    ['GET', '/system/gc?last=-1'],
    ['GET', '/projects/team/repositories/team%2Fapp/tags/v1/history?last=1.5'],
  ])('%s %s answers 400', async (method, path) => {
    const r = await call(method, path);
    expect(r).toMatchObject({ status: 400, body: { errors: [{ code: 'WHARF_ERR_REQUEST_INVALID' }] } });
  });
});
