import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../../errors';
import { defineRoute, registerRoutes, type AnyRouteSpec, type Authenticators } from '../../http/routes';
import { photoTooLargeMessage } from '../../storage/image-type';
import { ErrorReply } from '../auth/auth.schemas';
import type { Actor } from '../auth/auth.service';
import { pathId } from '../staff/staff.routes';
import { VehicleBody, VehiclePhotoQuery, VehiclePhotoReply, VehicleReply } from './vehicles.schemas';
import * as vehicles from './vehicles.service';

/**
 * The vehicle step of a `car` application. The JSON routes join the app's list; the photo upload
 * lives in an encapsulated scope of its own that alone also takes `application/octet-stream`, up
 * to 5 MiB (as support uploads do, support.uploads.ts): the raw photo is the body. The session is
 * checked as the request arrives, before the body is read.
 */

export function vehicleRoutes(deps: vehicles.VehicleDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'PUT',
      url: '/api/applications/:id/vehicle',
      tag: 'vehicles',
      summary:
        'Save the car of a draft application secured by a car: VIN, make, model, year, mileage (km), plate, ПТС/ЭПТС and СТС numbers (409 unless a draft of a car product)',
      auth: 'customer',
      body: VehicleBody,
      responses: { 200: VehicleReply, 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      handler: ({ actor, request, body }) => vehicles.saveVehicle(deps, actor, pathId(request), body),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/applications/:id/vehicle',
      tag: 'vehicles',
      summary: 'The car of an application (document numbers masked) with its photos; 404 when none was saved',
      auth: 'customer',
      responses: { 200: VehicleReply, 401: ErrorReply, 404: ErrorReply },
      handler: ({ actor, request }) => vehicles.getVehicle(deps, actor, pathId(request)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/applications/:id/vehicle/photos/:photoId',
      tag: 'vehicles',
      summary: 'The bytes of one photo of the car, with the type sniffed at upload, nosniff and no caching',
      auth: 'customer',
      responses: { 200: null, 401: ErrorReply, 404: ErrorReply },
      handler: async ({ actor, request, reply }) => {
        const photo = await vehicles.photoForDownload(deps, actor, pathId(request), pathId(request, 'photoId'));
        return reply
          .type(photo.contentType)
          .header('cache-control', 'no-store')
          .header('x-content-type-options', 'nosniff')
          .header('content-disposition', 'inline')
          .send(Buffer.from(photo.bytes.buffer, photo.bytes.byteOffset, photo.bytes.byteLength));
      },
    }),
  ];
}

const UPLOAD_SUMMARY =
  'Upload a photo of the car of a draft application secured by a car: body = the raw photo (Content-Type: application/octet-stream); ?kind = front | back | left | right | odometer | vin_plate | pts_page. ≤ 5 MiB (413), JPEG/PNG/WebP/HEIC by the bytes (else 400); a new photo of a kind replaces the previous one, ПТС pages add up to 6 (409)';

export async function registerVehiclePhotoUpload(app: FastifyInstance, deps: vehicles.VehicleDeps, authenticate: Authenticators): Promise<AnyRouteSpec[]> {
  const found = new WeakMap<FastifyRequest, Actor>();
  const upload = defineRoute<undefined, z.infer<typeof VehiclePhotoQuery>>({
    method: 'POST',
    // A query parameter, not /photos/:kind: the router would merge it with /photos/:photoId.
    url: '/api/applications/:id/vehicle/photos',
    tag: 'vehicles',
    summary: UPLOAD_SUMMARY,
    auth: 'customer',
    rawBody: 'application/octet-stream',
    query: VehiclePhotoQuery,
    responses: { 201: VehiclePhotoReply, 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply, 413: ErrorReply, 415: ErrorReply },
    handler: ({ actor, request, query }) => {
      if (!Buffer.isBuffer(request.body)) throw new AppError('unsupported_media_type', 'Отправьте фото как есть, с типом application/octet-stream.');
      return vehicles.uploadPhoto(deps, actor, pathId(request), query.kind, request.body);
    },
  });
  const scoped: Authenticators = {
    ...authenticate,
    customer: async (request) => found.get(request) ?? authenticate.customer(request),
  };
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: vehicles.MAX_VEHICLE_PHOTO_BYTES }, (_request, body, done) => done(null, body));
    // No one without a session makes the server take in 5 MiB.
    scope.addHook('onRequest', async (request) => {
      if (request.method === 'POST') found.set(request, await authenticate.customer(request));
    });
    scope.setErrorHandler((error: FastifyError | AppError) => {
      if (error instanceof AppError) throw error;
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw new AppError('payload_too_large', photoTooLargeMessage(vehicles.MAX_VEHICLE_PHOTO_BYTES));
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') throw new AppError('unsupported_media_type', 'Отправьте фото как есть, с типом application/octet-stream.');
      throw error;
    });
    registerRoutes(scope, [upload], scoped);
  });
  return [upload];
}
