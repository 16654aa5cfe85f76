import { type Me, MeSchema } from '@aicredits/contract';
import type { RequestOptions } from '../core/transport';
import { APIResource } from './resource';

export class MeResource extends APIResource {
  /**
   * `GET /v1/me` (any key): the key's type, workspace, member, current role and whether it has
   * billing access. Platform keys get `null` for workspace, member and role.
   */
  retrieve(options?: RequestOptions): Promise<Me> {
    return this.transport.request({ method: 'GET', path: 'v1/me', schema: MeSchema, options });
  }
}
