import { z } from 'zod';
import type { AnyRouteSpec } from './routes';

/** OpenAPI 3.1 from the route list: the description is generated, so it matches the code. */
export function buildOpenApi(
  routes: AnyRouteSpec[],
  info: { title: string; version: string },
  cookieNames: { customer: string; staff: string },
) {
  const paths: Record<string, Record<string, unknown>> = {};
  const toSchema = (schema: z.ZodType, io: 'input' | 'output') =>
    z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' });
  for (const route of routes) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const operation: Record<string, unknown> = {
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth === 'customer' ? { security: [{ sessionCookie: [] }] } : {}),
      // The roles are part of the contract: an operator reads who may call what.
      ...(typeof route.auth === 'object' ? { security: [{ staffSessionCookie: [] }], 'x-staff-roles': route.auth.staff } : {}),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, schema]) => [
          status,
          schema
            ? { description: status, content: { 'application/json': { schema: toSchema(schema, 'output') } } }
            : { description: status },
        ]),
      ),
    };
    if (route.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: toSchema(route.body, 'input') } } };
    }
    if (route.rawBody) {
      operation.requestBody = { required: true, content: { [route.rawBody]: { schema: { type: 'string', format: 'binary' } } } };
    }
    // Path parameters are plain strings to the router; each handler decides what a well-formed one is.
    const parameters: Record<string, unknown>[] = [...route.url.matchAll(/:(\w+)/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (route.query) {
      const schema = toSchema(route.query, 'input') as { properties?: Record<string, unknown>; required?: string[]; additionalProperties?: unknown };
      parameters.push(
        ...Object.entries(schema.properties ?? {}).map(([name, s]) => ({
          name,
          in: 'query',
          required: schema.required?.includes(name) ?? false,
          schema: s,
        })),
      );
      // OpenAPI cannot say "no other query parameters"; our query schemas are strict (unknown → 400).
      if (schema.additionalProperties === false) operation['x-strict-query'] = true;
    }
    if (parameters.length) operation.parameters = parameters;
    paths[path] = { ...(paths[path] ?? {}), [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info,
    components: {
      securitySchemes: {
        sessionCookie: { type: 'apiKey', in: 'cookie', name: cookieNames.customer },
        staffSessionCookie: { type: 'apiKey', in: 'cookie', name: cookieNames.staff },
      },
    },
    paths,
  };
}
