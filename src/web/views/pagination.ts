// The one builder of the NHS.UK numbered pagination (nhsuk/components/pagination with `items`): the first
// page, the last, and `around` pages either side of the current one, gaps shown as ellipses.

export type PageItem = { number: number; href: string; current: boolean } | { ellipsis: true };

export interface Pagination {
  previous?: { href: string };
  next?: { href: string };
  items: PageItem[];
}

/** Page numbers to show: the first, the last, and `around` either side of the current, gaps as ellipses. */
export function pageItems(page: number, pages: number, href: (n: number) => string, around = 2): PageItem[] {
  const items: PageItem[] = [];
  let last = 0;
  for (let n = 1; n <= pages; n++) {
    if (n === 1 || n === pages || Math.abs(n - page) <= around) {
      if (last && n - last > 1) items.push({ ellipsis: true });
      items.push({ number: n, href: href(n), current: n === page });
      last = n;
    }
  }
  return items;
}

/** The numbered pagination for page `page` of `total` rows (one page either side), or null for one page. */
export function pagination(
  page: number,
  pageSize: number,
  total: number,
  hrefFor: (page: number) => string,
): Pagination | null {
  const pages = Math.ceil(total / pageSize);
  if (pages <= 1) return null;
  return {
    ...(page > 1 ? { previous: { href: hrefFor(page - 1) } } : {}),
    ...(page < pages ? { next: { href: hrefFor(page + 1) } } : {}),
    items: pageItems(page, pages, hrefFor, 1),
  };
}

/** A previous or next link of the NHS.UK pagination, with the words shown under it. */
export interface PageLink {
  href: string;
  labelText: string;
}

/** The NHS.UK previous/next pagination (no page numbers): a link to each page either side, labelled. */
export function previousNext(
  page: number,
  pages: number,
  href: (page: number) => string,
  label: (page: number) => string,
): { previous: PageLink | undefined; next: PageLink | undefined } {
  return {
    previous: page > 1 ? { href: href(page - 1), labelText: label(page - 1) } : undefined,
    next: page < pages ? { href: href(page + 1), labelText: label(page + 1) } : undefined,
  };
}
