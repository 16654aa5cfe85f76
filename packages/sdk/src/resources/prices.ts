import { type PriceTable, PriceTableSchema } from '@aicredits/contract';
import type { RequestOptions } from '../core/transport';
import { APIResource } from './resource';

export class Prices extends APIResource {
  /** `GET /v1/prices`: the model price table in force (any authenticated key). */
  retrieve(options?: RequestOptions): Promise<PriceTable> {
    return this.transport.request({ method: 'GET', path: 'v1/prices', schema: PriceTableSchema, options });
  }
}
