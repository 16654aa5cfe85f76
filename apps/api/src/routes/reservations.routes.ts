import {
  CaptureRequestSchema,
  CaptureResponseSchema,
  ChargeSchema,
  CreateChargeRequestSchema,
  CreateReservationRequestSchema,
  ExtendReservationRequestSchema,
  ReservationSchema,
} from '@aicredits/contract';
import { createRoute } from '@hono/zod-openapi';
import {
  errorResponses,
  idempotencyHeader,
  json,
  jsonBody,
  paymentRequired,
  security,
  WsIdParams,
  WsParams,
} from './common.js';

const tags = ['Reservations'];

export const createReservation = createRoute({
  method: 'post',
  path: '/v1/workspaces/{ws}/reservations',
  tags,
  security,
  summary: 'Hold an estimated amount before a task (server key); 402 when work may not begin',
  request: { params: WsParams, headers: idempotencyHeader, body: jsonBody(CreateReservationRequestSchema) },
  responses: { 201: json(ReservationSchema, 'The hold'), ...paymentRequired, ...errorResponses },
});

export const getReservation = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/reservations/{id}',
  tags,
  security,
  summary: 'One reservation',
  request: { params: WsIdParams },
  responses: { 200: json(ReservationSchema, 'The reservation'), ...errorResponses },
});

export const extendReservation = createRoute({
  method: 'post',
  path: '/v1/workspaces/{ws}/reservations/{id}/extend',
  tags,
  security,
  summary: 'Raise a hold (and optionally its time-to-live) for a long task',
  request: { params: WsIdParams, headers: idempotencyHeader, body: jsonBody(ExtendReservationRequestSchema) },
  responses: { 200: json(ReservationSchema, 'The enlarged hold'), ...paymentRequired, ...errorResponses },
});

export const captureReservation = createRoute({
  method: 'post',
  path: '/v1/workspaces/{ws}/reservations/{id}/capture',
  tags,
  security,
  summary: 'Settle the actual amount; returns the charge with its per-lot draws',
  request: { params: WsIdParams, headers: idempotencyHeader, body: jsonBody(CaptureRequestSchema) },
  responses: {
    200: json(CaptureResponseSchema, 'The settled reservation and its charge'),
    ...errorResponses,
  },
});

export const voidReservation = createRoute({
  method: 'post',
  path: '/v1/workspaces/{ws}/reservations/{id}/void',
  tags,
  security,
  summary: 'Release a hold whose task never started',
  request: { params: WsIdParams, headers: idempotencyHeader },
  responses: { 200: json(ReservationSchema, 'The voided reservation'), ...errorResponses },
});

export const createCharge = createRoute({
  method: 'post',
  path: '/v1/workspaces/{ws}/charges',
  tags: ['Charges'],
  security,
  summary: 'One-step charge without a reservation (server key)',
  request: { params: WsParams, headers: idempotencyHeader, body: jsonBody(CreateChargeRequestSchema) },
  responses: { 201: json(ChargeSchema, 'The charge with its draws'), ...paymentRequired, ...errorResponses },
});

export const getCharge = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/charges/{id}',
  tags: ['Charges'],
  security,
  summary: 'One charge with its per-lot draws',
  request: { params: WsIdParams },
  responses: { 200: json(ChargeSchema, 'The charge'), ...errorResponses },
});
