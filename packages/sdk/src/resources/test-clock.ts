import { type TestClock, type TestClockRequest, TestClockSchema } from '@aicredits/contract';
import type { RequestOptions } from '../core/transport';
import { APIResource } from './resource';

/** `POST /v1/test-clock` (platform key, only when the service runs with the test clock). */
export class TestClockResource extends APIResource {
  /** `GET /v1/test-clock`: the service's current time. */
  retrieve(options?: RequestOptions): Promise<TestClock> {
    return this.transport.request({ method: 'GET', path: 'v1/test-clock', schema: TestClockSchema, options });
  }

  /** Sets (`now`) or advances (`advanceSeconds`) the service clock; it never moves backwards. */
  update(body: TestClockRequest, options?: RequestOptions): Promise<TestClock> {
    return this.transport.request({
      method: 'POST',
      path: 'v1/test-clock',
      body,
      schema: TestClockSchema,
      options,
    });
  }

  advance(seconds: number, options?: RequestOptions): Promise<TestClock> {
    return this.update({ advanceSeconds: seconds }, options);
  }

  set(now: Date | string, options?: RequestOptions): Promise<TestClock> {
    return this.update({ now: typeof now === 'string' ? now : now.toISOString() }, options);
  }
}
