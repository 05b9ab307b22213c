// The one place that talks to SSM: every parameter under the prefix, with one recursive,
// fully paginated GetParametersByPath per refresh.
//
// The read is resumable. A prefix of thousands of parameters takes longer to read (10 a page,
// one call each) than any request may wait, and a page can fail on its own (throttled, timed
// out after a Lambda freeze); so the reader keeps the pages it has and the NextToken of the
// next one, and a read that failed resumes at the page that failed instead of at page 1.
import { GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';

/** The service's maximum: GetParametersByPath's MaxResults is 1 to 10. */
const PAGE_SIZE = 10;

export class ParameterReader {
  readonly #client: SSMClient;
  readonly #path: string;
  /** What the read in progress has so far: kept across failed reads, dropped when one completes. */
  #parameters = new Map<string, string>();
  #nextToken: string | undefined;
  #pages = 0;
  #lastPassPages: number | undefined;
  #reading = false;

  constructor(client: SSMClient, path: string) {
    this.#client = client;
    this.#path = path;
  }

  /** Pages the read in progress has kept (0 when the next read starts at page 1). */
  get pagesKept(): number {
    return this.#pages;
  }

  /** Pages the last complete read took, across all its attempts. */
  get lastPassPages(): number | undefined {
    return this.#lastPassPages;
  }

  /**
   * Reads the pages not read yet and resolves with every parameter under the path. When a page
   * fails (the SDK's own retries spent, or `signal` aborted) it rejects and keeps what it has:
   * the next call asks for that same page again. One read at a time.
   */
  async read(signal?: AbortSignal): Promise<Map<string, string>> {
    if (this.#reading) throw new Error('a read of this prefix is already in progress');
    this.#reading = true;
    try {
      let restarted = false;
      for (;;) {
        let page;
        try {
          page = await this.#client.send(
            new GetParametersByPathCommand({ Path: this.#path, Recursive: true, WithDecryption: true, MaxResults: PAGE_SIZE, NextToken: this.#nextToken }),
            signal ? { abortSignal: signal } : {},
          );
        } catch (error) {
          // A token the service no longer accepts (kept across a long freeze, say): the pages
          // read with it cannot be continued, so the read starts over, once.
          if ((error as { name?: unknown }).name === 'InvalidNextToken' && this.#nextToken !== undefined && !restarted) {
            restarted = true;
            this.#startOver();
            continue;
          }
          throw error;
        }
        for (const parameter of page.Parameters ?? []) {
          if (parameter.Name !== undefined && parameter.Value !== undefined) this.#parameters.set(parameter.Name, parameter.Value);
        }
        this.#pages++;
        this.#nextToken = page.NextToken || undefined;
        if (this.#nextToken === undefined) break;
      }
      const parameters = this.#parameters;
      this.#lastPassPages = this.#pages;
      this.#startOver();
      return parameters;
    } finally {
      this.#reading = false;
    }
  }

  #startOver(): void {
    this.#parameters = new Map();
    this.#nextToken = undefined;
    this.#pages = 0;
  }
}

/** Every parameter under `path`, in one read that gives up (and keeps nothing) when `signal` aborts. */
export function readParametersByPath(client: SSMClient, path: string, signal: AbortSignal): Promise<Map<string, string>> {
  return new ParameterReader(client, path).read(signal);
}
