import { describe, expect, it } from 'vitest';
import type { StaffRole } from '../db/schema';
import { STAFF_ROLES } from '../modules/staff/staff.service';
import { loginStaff } from '../testing/staff';
import { login, nextPhone, TEST_ORIGIN, useTestSystem } from '../testing/test-system';

/**
 * WEB-8: generated from the route list itself (the OpenAPI description is built from the same route
 * specs the app registers), so a new staff route is walked the day it is added. For every staff
 * route × every role, a customer session and no session: only the declared roles get through.
 */

const system = useTestSystem();
const ROLES: readonly StaffRole[] = STAFF_ROLES;
const SOME_ID = '00000000-0000-4000-8000-000000000000';

type Operation = { 'x-staff-roles'?: StaffRole[]; security?: unknown[] };
type OpenApi = { paths: Record<string, Record<string, Operation>> };

describe('staff routes × roles', () => {
  it('only the declared roles get through; customers and strangers never do', async () => {
    const docs = (await system.get('/api/docs')).json() as OpenApi;
    const staffRoutes: Array<{ method: string; url: string; roles: StaffRole[] }> = [];
    for (const [path, operations] of Object.entries(docs.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const url = path.replace(/\{\w+\}/g, SOME_ID);
        if (operation['x-staff-roles']) {
          staffRoutes.push({ method: method.toUpperCase(), url, roles: operation['x-staff-roles'] });
        } else if (path.startsWith('/api/staff/')) {
          // Default deny: under /api/staff only the login steps are open without a staff role.
          expect(path, `${method} ${path} declares no staff roles`).toMatch(/^\/api\/staff\/auth\/(login|totp|logout)$/);
        }
      }
    }
    expect(staffRoutes.length).toBeGreaterThanOrEqual(9);

    const sessions: Record<string, string | undefined> = { none: undefined, customer: await login(system, nextPhone()) };
    for (const role of ROLES) sessions[role] = (await loginStaff(system, [role])).cookie;

    const failures: string[] = [];
    for (const route of staffRoutes) {
      for (const [who, cookie] of Object.entries(sessions)) {
        const response = await system.app.inject({
          method: route.method as 'GET',
          url: route.url,
          headers: {
            origin: TEST_ORIGIN,
            'sec-fetch-site': 'same-origin',
            ...(route.method === 'GET' ? {} : { 'content-type': 'application/json' }),
            ...(cookie ? { cookie } : {}),
          },
          ...(route.method === 'GET' ? {} : { payload: '{}' }),
        });
        const code = response.statusCode >= 400 ? (response.json() as { error: { code: string } }).error.code : null;
        const allowed = route.roles.includes(who as StaffRole);
        const outcome = allowed
          ? response.statusCode !== 401 && code !== 'forbidden' && response.statusCode < 500
          : who === 'none' || who === 'customer'
            ? response.statusCode === 401
            : response.statusCode === 403 && code === 'forbidden';
        if (!outcome) failures.push(`${route.method} ${route.url} as ${who}: ${response.statusCode} ${code ?? ''}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
