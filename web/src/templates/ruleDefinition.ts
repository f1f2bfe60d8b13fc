import type { TemplateRule } from "./templateRules";

/** Structural problems of a version's rules as an author writes them: the checks of
 * rule_definition_problems in layers/cms/python/cms/domain/templates/rules.py, so the editor
 * says before sending what the API would refuse. Pointers are relative to the rules list. */
export interface DefinitionProblem { pointer: string; message: string }

export const MAX_RULE_MESSAGE = 300;

/** Each kind's required members (JSON pointers, or a field name for `field`). */
export const RULE_FIELDS: Record<TemplateRule["rule"], readonly string[]> = {
  before: ["first", "then"],
  below_reciprocal: ["path"],
  sum_equals: ["items", "field", "total"],
  each_within: ["items", "field", "from", "until"],
  unique: ["items", "field"],
};

const KINDS = Object.keys(RULE_FIELDS) as TemplateRule["rule"][];

function isKind(value: unknown): value is TemplateRule["rule"] {
  return typeof value === "string" && (KINDS as string[]).includes(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function ruleProblems(rule: unknown, where: string): DefinitionProblem[] {
  if (!isRecord(rule) || !isKind(rule.rule)) {
    return [{ pointer: where, message: `a rule is an object whose "rule" is one of ${[...KINDS].sort().join(", ")}` }];
  }
  const kind = rule.rule;
  const problems = RULE_FIELDS[kind].filter((name) => typeof rule[name] !== "string")
    .map((name) => ({ pointer: `${where}/${name}`, message: "must be a JSON pointer string" }));
  const optional = kind === "below_reciprocal" ? ["message", "of", "of_sum"] : ["message"];
  const known = new Set(["rule", ...RULE_FIELDS[kind], ...optional]);
  problems.push(...Object.keys(rule).filter((name) => !known.has(name)).sort()
    .map((name) => ({ pointer: `${where}/${name}`, message: "unknown field" })));
  const message = rule.message ?? "";
  if (typeof message !== "string" || message.length > MAX_RULE_MESSAGE) {
    problems.push({ pointer: `${where}/message`, message: `a string of at most ${String(MAX_RULE_MESSAGE)} characters` });
  }
  if (kind === "below_reciprocal") problems.push(...denominatorProblems(rule, where));
  return problems;
}

function denominatorProblems(rule: Record<string, unknown>, where: string): DefinitionProblem[] {
  if (("of" in rule) === ("of_sum" in rule)) {
    return [{ pointer: where, message: "needs exactly one of \"of\" (a pointer) and \"of_sum\" ([items pointer, field])" }];
  }
  if ("of" in rule && typeof rule.of !== "string") return [{ pointer: `${where}/of`, message: "must be a JSON pointer string" }];
  const pair = rule.of_sum;
  if ("of_sum" in rule && !(Array.isArray(pair) && pair.length === 2 && pair.every((v) => typeof v === "string"))) {
    return [{ pointer: `${where}/of_sum`, message: "must be [items pointer, field]" }];
  }
  return [];
}

/** The rules an author wrote, or every problem that keeps them from being rules. */
export function parseRules(value: unknown): { rules: TemplateRule[]; problems: [] } | { rules: null; problems: DefinitionProblem[] } {
  if (!Array.isArray(value)) return { rules: null, problems: [{ pointer: "", message: "must be an array of rules" }] };
  const problems = value.flatMap((rule, index) => ruleProblems(rule, `/${String(index)}`));
  // Every member checked above: what remains is exactly a TemplateRule.
  return problems.length ? { rules: null, problems } : { rules: value as TemplateRule[], problems: [] };
}
