import {
  type CaptureRequest,
  type CaptureResponse,
  CaptureResponseSchema,
  type CreateReservationRequest,
  type ExtendReservationRequest,
  type Reservation,
  ReservationSchema,
} from '@aicredits/contract';
import type { RequestOptions } from '../core/transport';
import { APIResource } from './resource';

/**
 * The two-phase guard contract (SPEC §6): `create` holds an estimate, then exactly one of
 * `capture` (settle the real cost) or `void` (the task never started); an untouched hold expires
 * at its TTL. Each call is idempotent on its `Idempotency-Key`.
 */
export class Reservations extends APIResource {
  /** `POST /v1/workspaces/{ws}/reservations` (server key). 402 when work may not begin. */
  create(
    workspaceId: string,
    body: CreateReservationRequest,
    options?: RequestOptions,
  ): Promise<Reservation> {
    return this.transport.request({
      method: 'POST',
      path: this.workspacePath(workspaceId, 'reservations'),
      body,
      schema: ReservationSchema,
      options,
    });
  }

  /** `GET /v1/workspaces/{ws}/reservations/{id}`. */
  retrieve(workspaceId: string, reservationId: string, options?: RequestOptions): Promise<Reservation> {
    return this.transport.request({
      method: 'GET',
      path: this.workspacePath(workspaceId, 'reservations', reservationId),
      schema: ReservationSchema,
      options,
    });
  }

  /**
   * `POST …/reservations/{id}/capture`: settle the actual amount (less, equal or more than held;
   * the rest of the hold is released). Returns the settled reservation and the charge with its
   * per-lot `draws` (`charge` is `null` for unmetered, self-hosted work).
   */
  capture(
    workspaceId: string,
    reservationId: string,
    body: CaptureRequest,
    options?: RequestOptions,
  ): Promise<CaptureResponse> {
    return this.transport.request({
      method: 'POST',
      path: this.workspacePath(workspaceId, 'reservations', reservationId, 'capture'),
      body,
      schema: CaptureResponseSchema,
      options,
    });
  }

  /** `POST …/reservations/{id}/void`: release the hold; the task never started. */
  void(workspaceId: string, reservationId: string, options?: RequestOptions): Promise<Reservation> {
    return this.transport.request({
      method: 'POST',
      path: this.workspacePath(workspaceId, 'reservations', reservationId, 'void'),
      schema: ReservationSchema,
      options,
    });
  }

  /** `POST …/reservations/{id}/extend`: hold more and/or push back the expiry of a running task. */
  extend(
    workspaceId: string,
    reservationId: string,
    body: ExtendReservationRequest,
    options?: RequestOptions,
  ): Promise<Reservation> {
    return this.transport.request({
      method: 'POST',
      path: this.workspacePath(workspaceId, 'reservations', reservationId, 'extend'),
      body,
      schema: ReservationSchema,
      options,
    });
  }
}
