import type { RJSFSchema, UiSchema } from "@rjsf/utils";

/** Labels and order for a template's variables: the schema's own titles, else the property
 * name in words ("start_date" → "Start date"); required properties first, in the order the
 * schema lists them (the served schema's properties come sorted by name, its required lists
 * keep the author's order), then the rest. */
export function uiSchemaOf(schema: RJSFSchema): UiSchema {
  const ui: UiSchema = {};
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  if (names.length > 0) ui["ui:order"] = [...(schema.required ?? []).filter((name) => names.includes(name)), "*"];
  for (const name of names) {
    const property = properties[name];
    if (typeof property !== "object") continue;
    const child = uiSchemaOf(property);
    const items = property.items;
    if (items && typeof items === "object" && !Array.isArray(items)) child.items = uiSchemaOf(items);
    ui[name] = { ...child, "ui:title": property.title ?? inWords(name) };
  }
  return ui;
}

export function inWords(name: string): string {
  const words = name.replaceAll("_", " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
