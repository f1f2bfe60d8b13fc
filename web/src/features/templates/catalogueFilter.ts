import type { TemplateSummary } from "../../contracts/queries";

/** The catalogue narrowed by a search text (name, id or description) and a category. The API
 * answers the whole catalogue in one page (one entry per template), so filtering is local. */
export function filterCatalogue(items: readonly TemplateSummary[], search: string, category: string | null): TemplateSummary[] {
  const words = search.trim().toLowerCase();
  return items.filter((item) => (category === null || item.category === category)
    && (words === "" || [item.name, item.template_id, item.description].some((text) => text.toLowerCase().includes(words))));
}

export function categoriesOf(items: readonly TemplateSummary[]): string[] {
  return [...new Set(items.map((item) => item.category))].sort();
}
