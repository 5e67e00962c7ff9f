import { RegistryError } from '../../oci/errors.js';
import { assertRepositoryName } from '../../oci/names.js';
import type { MetaStore, Page } from '../../ports/meta-store.js';

export interface Listing {
  items: string[];
  /** The `last` value of the next page, when there may be more. */
  next: string | undefined;
}

/** Fetches one more than asked to learn whether a next page exists, so no count query is needed. */
async function paged(
  fetch: (page: Page) => Promise<string[] | undefined>,
  page: Page,
): Promise<Listing | undefined> {
  if (page.n === 0) return { items: [], next: undefined };
  const rows = await fetch({ ...page, n: page.n + 1 });
  if (!rows) return undefined;
  const items = rows.slice(0, page.n);
  return { items, next: rows.length > page.n ? items[items.length - 1] : undefined };
}

export class ListingService {
  constructor(private readonly deps: { meta: MetaStore }) {}

  async tags(repo: string, page: Page): Promise<Listing> {
    assertRepositoryName(repo);
    const out = await paged((p) => this.deps.meta.tags.list(repo, p), page);
    if (!out) throw new RegistryError('NAME_UNKNOWN', undefined, { detail: { name: repo } });
    return out;
  }

  /** Repositories in lexical order; `visible` filters without shortening pages (it reads on until full). */
  async catalog(page: Page, visible: (name: string) => boolean = () => true): Promise<Listing> {
    const fetchVisible = async (p: Page): Promise<string[]> => {
      const out: string[] = [];
      let last = p.last;
      for (;;) {
        const batch = await this.deps.meta.repos.list(last === undefined ? { n: p.n } : { n: p.n, last });
        out.push(...batch.filter(visible));
        if (out.length >= p.n || batch.length < p.n) return out.slice(0, p.n);
        last = batch[batch.length - 1];
      }
    };
    return (await paged(fetchVisible, page)) ?? { items: [], next: undefined };
  }
}
