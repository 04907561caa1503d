import { EventEmitter } from 'node:events';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import type { EmbeddedServer } from './embedded-server.js';

type Serializer = typeof serialize;

/**
 * A node-postgres `Connection` whose socket is the embedded server's thread: what `pg.Client`
 * writes is serialized as for a real server, and the replies are parsed and emitted the way pg's
 * own connection emits them. It does what PGlite's node-postgres shim does, with one difference
 * that matters across threads: the messages of one query (parse, bind, describe, execute, sync,
 * written in one go) travel as one exchange instead of five.
 */
export class EmbeddedConnection extends EventEmitter {
  // Read by pg.Client.
  _connecting = false;
  parsedStatements: Record<string, string> = {};
  submittedNamedStatements: Record<string, string> = {};
  readonly stream = { destroy: () => this.end() };

  private outgoing: Buffer[] = [];
  private parser = new Parser();
  private emitMessages = false;

  constructor(private readonly server: EmbeddedServer) {
    super();
    this.on('newListener', (event) => {
      if (event === 'message') this.emitMessages = true;
    });
  }

  async connect(): Promise<void> {
    this._connecting = true;
    try {
      await this.server.ready;
    } catch (error) {
      this.emit('error', error);
      return;
    }
    process.nextTick(() => this.emit('readyForQuery'));
  }

  // The embedded server takes no authentication and no TLS.
  requestSsl(): void {}
  startup(): void {}
  cancel(): void {}
  password(): void {}
  ref(): void {}
  unref(): void {}

  sendSASLInitialResponseMessage(mechanism: string, response: string): void {
    this.write(serialize.sendSASLInitialResponseMessage(mechanism, response));
  }
  sendSCRAMClientFinalMessage(data: string): void {
    this.write(serialize.sendSCRAMClientFinalMessage(data));
  }
  query(text: string): void {
    this.write(serialize.query(text));
  }
  parse(query: Parameters<Serializer['parse']>[0]): void {
    this.write(serialize.parse(query));
  }
  bind(config: Parameters<Serializer['bind']>[0]): void {
    this.write(serialize.bind(config));
  }
  execute(config: Parameters<Serializer['execute']>[0]): void {
    this.write(serialize.execute(config));
  }
  describe(target: Parameters<Serializer['describe']>[0]): void {
    this.write(serialize.describe(target));
  }
  close(target: Parameters<Serializer['close']>[0]): void {
    this.write(serialize.close(target));
  }
  flush(): void {
    this.write(serialize.flush());
  }
  sync(): void {
    this.write(serialize.sync());
  }
  sendCopyFromChunk(chunk: Buffer): void {
    this.write(serialize.copyData(chunk));
  }
  endCopyFrom(): void {
    this.write(serialize.copyDone());
  }
  sendCopyFail(message: string): void {
    this.write(serialize.copyFail(message));
  }

  end(): void {
    // Replies still on their way have nobody to go to; pg waits for `end` before it calls back.
    this.outgoing = [];
    this.parser = new Parser();
    this.eventNames()
      .filter((event) => event !== 'newListener' && event !== 'end')
      .forEach((event) => this.removeAllListeners(event));
    this.emitMessages = false;
    process.nextTick(() => this.emit('end'));
  }

  /** Messages written in one synchronous run go out together at the end of it. */
  private write(message: Buffer): void {
    this.outgoing.push(message);
    if (this.outgoing.length === 1) queueMicrotask(() => this.send());
  }

  private send(): void {
    if (!this.outgoing.length) return;
    const batch = Buffer.concat(this.outgoing);
    this.outgoing = [];
    const parser = this.parser;
    this.server.exchange(batch).then(
      (reply) => {
        if (parser !== this.parser) return;
        parser.parse(Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength), (message: BackendMessage) => {
          if (this.emitMessages) this.emit('message', message);
          this.emit(message.name === 'error' ? 'errorMessage' : message.name, message);
        });
      },
      (error: unknown) => this.emit('error', error),
    );
  }
}
