/**
 * What the link opened, closed in reverse: `close()` and a construction that throws half-way
 * run the same closers, each once.
 */
export class CloserStack {
  readonly #closers: (() => unknown)[] = [];
  #closing: Promise<void> | undefined;

  push(close: () => unknown): void {
    this.#closers.push(close);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const close of this.#closers.splice(0).reverse()) await close();
    })();
    return this.#closing;
  }
}
