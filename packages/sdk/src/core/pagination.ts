import { AicreditsError } from './errors';

/** One page of a cursor-paginated list, as the contract's list responses carry it. */
export interface PageBody<Item> {
  data: Item[];
  nextCursor: string | null;
}

export type FetchPage<Item> = (cursor: string | undefined) => Promise<PageBody<Item>>;

/**
 * A fetched page. Iterating a page with `for await` walks it and every later page, following
 * `nextCursor` (the openai-node `AbstractPage` design).
 */
export class Page<Item> implements AsyncIterable<Item> {
  readonly data: Item[];
  readonly nextCursor: string | null;
  readonly #fetchPage: FetchPage<Item>;

  constructor(body: PageBody<Item>, fetchPage: FetchPage<Item>) {
    this.data = body.data;
    this.nextCursor = body.nextCursor;
    this.#fetchPage = fetchPage;
  }

  hasNextPage(): boolean {
    return this.nextCursor !== null && this.nextCursor !== '';
  }

  async getNextPage(): Promise<Page<Item>> {
    if (!this.hasNextPage() || this.nextCursor === null) {
      throw new AicreditsError('no_next_page', 'This is the last page; check hasNextPage() first.');
    }
    return new Page(await this.#fetchPage(this.nextCursor), this.#fetchPage);
  }

  async *iterPages(): AsyncGenerator<Page<Item>> {
    let page: Page<Item> = this;
    yield page;
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      yield page;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Item> {
    for await (const page of this.iterPages()) {
      yield* page.data;
    }
  }
}

/**
 * What a list method returns: `await` it for the first page, or `for await` it for every item
 * across pages. The first request is sent lazily, on the first `then` or iteration, and at most
 * once, so an unused list call neither hits the network nor leaves an unhandled rejection.
 */
export class PagePromise<Item> implements PromiseLike<Page<Item>>, AsyncIterable<Item> {
  readonly #fetchPage: FetchPage<Item>;
  readonly #startCursor: string | undefined;
  #first: Promise<Page<Item>> | undefined;

  constructor(fetchPage: FetchPage<Item>, startCursor?: string) {
    this.#fetchPage = fetchPage;
    this.#startCursor = startCursor;
  }

  #firstPage(): Promise<Page<Item>> {
    this.#first ??= this.#fetchPage(this.#startCursor).then((body) => new Page(body, this.#fetchPage));
    return this.#first;
  }

  // biome-ignore lint/suspicious/noThenProperty: the page promise is deliberately awaitable.
  then<TResult1 = Page<Item>, TResult2 = never>(
    onfulfilled?: ((value: Page<Item>) => TResult1 | PromiseLike<TResult1>) | null,
    onrejected?: ((reason: unknown) => TResult2 | PromiseLike<TResult2>) | null,
  ): Promise<TResult1 | TResult2> {
    return this.#firstPage().then(onfulfilled, onrejected);
  }

  catch<TResult = never>(
    onrejected?: ((reason: unknown) => TResult | PromiseLike<TResult>) | null,
  ): Promise<Page<Item> | TResult> {
    return this.#firstPage().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<Page<Item>> {
    return this.#firstPage().finally(onfinally);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Item> {
    yield* await this.#firstPage();
  }

  get [Symbol.toStringTag](): string {
    return 'PagePromise';
  }
}
