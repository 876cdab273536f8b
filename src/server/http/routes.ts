import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors';
import type { StaffRole } from '../db/schema';
import type { Actor } from '../modules/auth/auth.service';
import type { StaffActor } from '../modules/staff/staff.service';
import { customerKey, type ReadCache } from '../read-cache';

/**
 * Routes are plain data: method, path, zod schemas for input and output, and a handler. The app
 * registers them with Fastify, and the same list generates the OpenAPI description (/api/docs),
 * so the documentation cannot drift from the code. Input schemas are strict (unknown keys → 400);
 * responses are parsed through their schema, so no field leaves by accident.
 */

export type RouteContext<TBody, TQuery> = {
  request: FastifyRequest;
  reply: FastifyReply;
  body: TBody;
  query: TQuery;
  /** Set when `auth` is 'customer'. */
  actor: Actor;
  /** Set when `auth` names staff roles. */
  staff: StaffActor;
};

/**
 * Who may call a route: anyone, a logged-in customer, or a staff member holding one of the listed
 * roles. Staff routes name their roles one by one: there is no default and no wildcard.
 */
export type RouteAuth = 'public' | 'customer' | { staff: readonly [StaffRole, ...StaffRole[]] };

export type RouteSpec<TBody = unknown, TQuery = unknown> = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  tag: string;
  auth: RouteAuth;
  body?: z.ZodType<TBody>;
  /**
   * A body that is not JSON but raw bytes of this media type (a file upload); read by the route's
   * own content-type parser. Only for the OpenAPI description: the request body is then described
   * as binary, so clients (and the security sweep) know what to send.
   */
  rawBody?: 'application/octet-stream';
  query?: z.ZodType<TQuery>;
  /** Status → body schema (null: no body). The first 2xx entry is the success reply. */
  responses: Record<number, z.ZodType | null>;
  handler: (context: RouteContext<TBody, TQuery>) => Promise<unknown>;
  /**
   * For a customer's GET whose reply is a function of their own data and of what the key names
   * (the query, the Moscow date…): the reply, validated and serialised once, is held in the read
   * cache under this key until a change to the customer's data is notified (read-cache.ts). Only
   * for replies built from tables that notify (migration 0020).
   */
  cacheKey?: (context: { query: TQuery; params: Record<string, string> }) => string;
};

// Erases the generic parameters so route lists of different shapes fit one array.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRouteSpec = RouteSpec<any, any>;

export function defineRoute<TBody = undefined, TQuery = undefined>(spec: RouteSpec<TBody, TQuery>): AnyRouteSpec {
  return spec as AnyRouteSpec;
}

/** Turns zod issues into `{ field: 'Russian message' }` for the form that sent them. */
export function validationError(error: z.ZodError): AppError {
  // No prototype: a field named `__proto__` (an attacker's unknown key) is reported like any other.
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_';
    if (fields[key]) continue;
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) fields[k] = 'Это поле не поддерживается.';
      continue;
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      fields[key] = 'Заполните это поле.';
      continue;
    }
    // Schemas carry Russian messages; zod's own English defaults never reach a form.
    fields[key] = /[а-яё]/i.test(issue.message) ? issue.message : issue.code === 'invalid_type' ? 'Неверный формат значения.' : 'Проверьте это поле.';
  }
  return new AppError('validation_failed', undefined, { fields });
}

export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  // reportInput: a wrong-type value is told apart from a missing one (zod 4 drops the input otherwise).
  const result = schema.safeParse(value ?? {}, { reportInput: true });
  if (!result.success) throw validationError(result.error);
  return result.data;
}

export type Authenticators = {
  customer: (request: FastifyRequest) => Promise<Actor>;
  /** Resolves the staff session (401 without one) and refuses (403) a member with none of `roles`. */
  staff: (request: FastifyRequest, roles: readonly StaffRole[]) => Promise<StaffActor>;
  /**
   * After a customer's request that may have changed their data (any method but GET), before the
   * reply leaves: whatever this process holds in memory for them is stale (read-cache.ts).
   */
  customerWrote?: (customerId: string) => void;
  /** Likewise after a staff member's non-GET request, which may have changed any customer's data. */
  staffWrote?: () => void;
};

/** Path parameters that name a row (`:id`, `:loanId`…): every row id is a uuid. */
const ID_PARAM = /^(id|\w+Id)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerRoutes(app: FastifyInstance, routes: AnyRouteSpec[], authenticate: Authenticators, readCache: ReadCache | null = null) {
  for (const route of routes) {
    const successStatus = Number(Object.keys(route.responses).find((s) => Number(s) >= 200 && Number(s) < 300) ?? 200);
    const successSchema = route.responses[successStatus] ?? null;
    app.route({
      method: route.method,
      url: route.url,
      handler: async (request, reply) => {
        const actor = route.auth === 'customer' ? await authenticate.customer(request) : (undefined as unknown as Actor);
        const staff = typeof route.auth === 'object' ? await authenticate.staff(request, route.auth.staff) : (undefined as unknown as StaffActor);
        // An id that is not a uuid names nothing: 404 here, before a service hands it to the
        // database (which refuses the cast: a 500). Found by the security sweep.
        for (const [name, value] of Object.entries((request.params ?? {}) as Record<string, string>)) {
          if (ID_PARAM.test(name) && !UUID.test(value)) throw new AppError('not_found');
        }
        const body = route.body ? parseInput(route.body, request.body) : undefined;
        const query = route.query ? parseInput(route.query, request.query) : undefined;
        if (route.cacheKey && readCache && actor && route.method === 'GET' && successSchema) {
          const key = customerKey(actor.customerId, route.cacheKey({ query, params: request.params as Record<string, string> }));
          const json = await readCache.read(
            key,
            async () => JSON.stringify(successSchema.parse(await route.handler({ request, reply, body, query, actor, staff }))),
            () => actor.customerId,
          );
          return reply.code(successStatus).type('application/json; charset=utf-8').send(json);
        }
        let result: unknown;
        try {
          result = await route.handler({ request, reply, body, query, actor, staff });
        } finally {
          // Also when it failed: some failures are recorded (a wrong code counts) before the error.
          if (actor && route.method !== 'GET') authenticate.customerWrote?.(actor.customerId);
          if (staff && route.method !== 'GET') authenticate.staffWrote?.();
        }
        if (reply.sent) return reply;
        reply.code(successStatus);
        if (successSchema === null) return reply.send();
        return reply.send(successSchema.parse(result));
      },
    });
  }
}
