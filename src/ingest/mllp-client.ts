import { connect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { frame, MllpDecoder } from "./hl7/mllp.ts";

// A minimal MLLP sender: one message at a time per connection, each waiting for its ACK (original mode).
// Used by tests, benchmarks and `oneplace mllp send`.

export class MllpClient {
  readonly #socket: Socket;
  readonly #decoder = new MllpDecoder();
  #waiting: { resolve: (ack: string) => void; reject: (e: Error) => void }[] = [];
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      for (const e of this.#decoder.push(chunk)) {
        if (e.kind === "frame") this.#waiting.shift()?.resolve(e.body.toString("utf8"));
      }
    });
    const fail = (error: Error) => {
      this.#closed = true;
      for (const w of this.#waiting.splice(0)) w.reject(error);
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("connection closed before the ACK arrived")));
  }

  static connect(port: number, host = "127.0.0.1"): Promise<MllpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => {
        socket.off("error", reject);
        resolve(new MllpClient(socket));
      });
      socket.once("error", reject);
    });
  }

  /**
   * Connects over TLS: `ca` the listener's CA (PEM), `cert` and `key` this sender's client certificate when the
   * listener asks for one; the listener's certificate must name `host` (or `servername`).
   */
  static connectTls(
    port: number,
    host: string,
    tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string },
  ): Promise<MllpClient> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ port, host, ...tls }, () => {
        socket.off("error", reject);
        resolve(new MllpClient(socket));
      });
      socket.once("error", reject);
    });
  }

  /** Sends one message and resolves with the ACK's text. */
  send(message: string): Promise<string> {
    if (this.#closed) return Promise.reject(new Error("connection is closed"));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#socket.write(frame(message));
    });
  }

  /** Writes raw bytes (for tests of bad framing). */
  writeRaw(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#socket.destroyed) return resolve();
      this.#socket.end(() => resolve());
      setTimeout(() => {
        this.#socket.destroy();
        resolve();
      }, 1000).unref();
    });
  }
}
