import type { CoreContext } from '../context.js';
import { GroupedWrites } from '../grouped-writes.js';
import type { AlertSignal } from './alert.js';
import { receiveAlerts, recordAlerts, showTakenAlerts, type AlertResult } from './receive-alerts.js';

interface WaitingRequest {
  signals: readonly AlertSignal[];
  taken(results: AlertResult[]): void;
  failed(error: unknown): void;
}

/**
 * Takes in the alert requests of one process. In a storm, senders that post one alert a request
 * (generic webhooks) would each cost a transaction of ten statements; instead, requests that arrive
 * while two transactions are under way are taken together by the next one (`recordAlerts` on all
 * their alerts in request order, up to 500, as if one request had carried them), then each request
 * is answered with its own alerts' results. A quiet sender waits for nothing. If a merged
 * transaction fails, each of its requests is taken again alone, so one request's failure stays its own.
 */
export class AlertIntake {
  private readonly requests = new GroupedWrites<WaitingRequest>({ writers: 2, limit: 500, size: (request) => request.signals.length, write: (batch) => this.take(batch) });

  constructor(private readonly context: CoreContext) {}

  receive(signals: readonly AlertSignal[]): Promise<AlertResult[]> {
    return new Promise((taken, failed) => this.requests.add({ signals, taken, failed }));
  }

  private async take(batch: readonly WaitingRequest[]): Promise<void> {
    if (batch.length === 1) return this.takeAlone(batch[0]!);
    let recorded;
    try {
      recorded = await recordAlerts(this.context, batch.flatMap((request) => request.signals));
    } catch {
      // Nothing was written: each request on its own answers for itself.
      for (const request of batch) await this.takeAlone(request);
      return;
    }
    try {
      await showTakenAlerts(this.context, recorded.results, recorded.written);
    } catch (error) {
      for (const request of batch) request.failed(error);
      return;
    }
    let offset = 0;
    for (const request of batch) {
      request.taken(recorded.results.slice(offset, offset + request.signals.length));
      offset += request.signals.length;
    }
  }

  private async takeAlone(request: WaitingRequest): Promise<void> {
    try {
      request.taken(await receiveAlerts(this.context, request.signals));
    } catch (error) {
      request.failed(error);
    }
  }
}
