import { HealthSchema, TestClockRequestSchema, TestClockSchema } from '@aicredits/contract';
import { createRoute } from '@hono/zod-openapi';
import { errorResponses, json, jsonBody, security } from './common.js';

export const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['System'],
  summary: 'Health, including a database round trip',
  responses: { 200: json(HealthSchema, 'Healthy'), 503: json(HealthSchema, 'The database is unavailable') },
});

export const setTestClock = createRoute({
  method: 'post',
  path: '/v1/test-clock',
  tags: ['System'],
  security,
  summary: 'Set or advance the service clock (platform key; only with CREDITS_TEST_CLOCK=1)',
  request: { body: jsonBody(TestClockRequestSchema) },
  responses: { 200: json(TestClockSchema, 'The clock now'), ...errorResponses },
});

export const getTestClock = createRoute({
  method: 'get',
  path: '/v1/test-clock',
  tags: ['System'],
  security,
  summary: 'The service clock (platform key)',
  responses: { 200: json(TestClockSchema, 'The clock now'), ...errorResponses },
});
