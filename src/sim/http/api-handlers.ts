import { type HttpHandler, http } from 'msw';
import type { RouteName } from '../faults/http-fault.js';
import { ApiError } from '../world/api-error.js';
import type { BatchWorld } from '../world/batch-world.js';
import { byteStream, cutBody, errorResponse, jsonResponse } from './responses.js';

type Serve = (request: Request, id: string) => Response | Promise<Response>;

/**
 * msw handlers for the Message Batches API. They are thin: each maps a route onto one method of
 * the world; the shared wrapper adds what every route has (auth, the version header, HTTP
 * faults, the `request-id` header, the error envelope). Paths match on any origin, because
 * `results_url` names the world's own origin, whatever it is.
 */
export function apiHandlers(world: BatchWorld): HttpHandler[] {
  const route = (name: RouteName, serve: Serve) => guarded(world, name, serve);
  return [
    http.post(
      '*/v1/messages/batches',
      route('create', async (request) => {
        const text = await request.text();
        return jsonResponse(200, world.create(text, Buffer.byteLength(text)));
      }),
    ),
    http.get(
      '*/v1/messages/batches',
      route('list', (request) => {
        const query = new URL(request.url).searchParams;
        return jsonResponse(
          200,
          world.list({
            limit: query.get('limit'),
            after_id: query.get('after_id'),
            before_id: query.get('before_id'),
          }),
        );
      }),
    ),
    http.get(
      '*/v1/messages/batches/:id',
      route('retrieve', (_, id) => {
        const batch = world.retrieve(id);
        // Live polls of an unfinished batch carried `retry-after: 10`.
        return jsonResponse(200, batch, batch.processing_status === 'ended' ? {} : { 'retry-after': '10' });
      }),
    ),
    http.post(
      '*/v1/messages/batches/:id/cancel',
      route('cancel', (_, id) => jsonResponse(200, world.cancel(id))),
    ),
    http.delete(
      '*/v1/messages/batches/:id',
      route('delete', (_, id) => jsonResponse(200, world.delete(id))),
    ),
    http.get(
      '*/v1/messages/batches/:id/results',
      route('results', (_, id) => {
        const chunks = world.results(id);
        return new Response(byteStream(chunks), {
          status: 200,
          headers: {
            'content-type': 'application/x-jsonl',
            'content-length': String(world.resultsBytes(id)),
          },
        });
      }),
    ),
    http.post(
      '*/v1/messages/count_tokens',
      route('count_tokens', async (request) => {
        return jsonResponse(200, world.countTokens(await request.text()));
      }),
    ),
  ];
}

function guarded(world: BatchWorld, name: RouteName, serve: Serve) {
  return async ({ request, params }: { request: Request; params: Record<string, unknown> }) => {
    const requestId = world.nextRequestId();
    try {
      world.authenticate(request.headers.get('x-api-key'), request.headers.get('authorization'));
      if (!request.headers.get('anthropic-version')) {
        throw new ApiError('invalid_request_error', 'anthropic-version: header is required');
      }
      // A fault acts by what it does (answer, drop, slow, lose, cut), never by its name.
      const fault = world.intercept(name, `${request.method} ${new URL(request.url).pathname}`);
      if (fault?.kind === 'error') throw fault.error;
      if (fault?.kind === 'reset') return Response.error();
      if (fault?.kind === 'delay') await world.clock.sleep(fault.delayMs);
      const response = await serve(request, String(params.id ?? ''));
      if (fault) world.confirm(fault);
      if (fault?.kind === 'lose_response') return Response.error();
      response.headers.set('request-id', requestId);
      return fault?.kind === 'cut_body' ? cutBody(response, fault.keepShare) : response;
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error, requestId);
      // A bug in the simulation: answer a 500 that names it, rather than letting the client
      // see a bare connection error, and keep it where tests look.
      world.recordInternalError(name, error);
      return errorResponse(new ApiError('api_error', `[sim] internal error: ${String(error)}`), requestId);
    }
  };
}

/** The answer for any path the API does not have. */
export function notFoundResponse(world: BatchWorld): Response {
  return errorResponse(new ApiError('not_found_error', 'Not found'), world.nextRequestId());
}
