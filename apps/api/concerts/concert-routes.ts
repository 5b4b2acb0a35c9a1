import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errors } from '../errors.js';
import { ConcertListQuerySchema, ConcertPageSchema, ConcertSchema, IdParamsSchema, NewConcertSchema } from '../../../packages/contract/index.js';
import { problems } from '../http/schemas.js';
import { storableInstant } from '../http/canonical.js';
import { decodeCursor, encodeCursor } from './concerts-repository.js';

const concertRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { concerts } = app.services;

  app.post(
    '/api/concerts',
    {
      schema: {
        tags: ['concerts'],
        summary: 'Create a concert',
        operationId: 'createConcert',
        security: [],
        body: NewConcertSchema,
        response: {
          201: Type.Ref(ConcertSchema),
          ...problems('invalid-request', 'request-timeout', 'payload-too-large', 'unsupported-media-type', 'headers-too-large', 'service-unavailable', 'database-timeout', 'overloaded', 'outcome-unknown'),
        },
      },
    },
    async (request, reply) => {
      const startsAt = storableInstant(request.body.startsAt);
      if (!startsAt) throw errors.invalidRequest('body/startsAt must be an instant from year 0001 to 9999 in UTC');
      const concert = await concerts.create({ ...request.body, startsAt });
      return reply.code(201).header('location', `/api/concerts/${concert.id}`).send(concert);
    },
  );

  app.get(
    '/api/concerts',
    {
      schema: {
        tags: ['concerts'],
        summary: 'List concerts, newest first',
        operationId: 'listConcerts',
        security: [],
        querystring: ConcertListQuerySchema,
        response: { 200: ConcertPageSchema, ...problems('invalid-request', 'headers-too-large', 'service-unavailable', 'database-timeout', 'overloaded') },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      if (cursor !== undefined && !after) throw errors.invalidRequest('querystring/cursor is not a cursor this API issued');
      // One extra row tells whether a next page exists without a count query.
      const rows = await concerts.list(limit + 1, after);
      const items = rows.slice(0, limit);
      return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!) : null };
    },
  );

  app.get(
    '/api/concerts/:id',
    {
      schema: {
        tags: ['concerts'],
        summary: 'Get one concert',
        operationId: 'getConcert',
        security: [],
        params: IdParamsSchema,
        response: { 200: Type.Ref(ConcertSchema), ...problems('invalid-request', 'concert-not-found', 'uri-too-long', 'headers-too-large', 'service-unavailable', 'database-timeout', 'overloaded') },
      },
    },
    async (request) => {
      const concert = await concerts.findById(request.params.id);
      if (!concert) throw errors.concertNotFound(request.params.id);
      return concert;
    },
  );
};

export default concertRoutes;
