/**
 * Argo Workflows expression tags for manifests (v3.7.18, util/template/expression_template.go and
 * util/expr/env/env.go: expr-lang plus `toJson` and sprig). A `{{=toJson(…)}}` tag put in an
 * unquoted plain YAML position becomes a JSON string or number, which YAML reads back as exactly
 * that value: parameters never become manifest text.
 *
 * Argo leaves a tag whose expression fails unresolved (both substitution passes allow it), so these
 * expressions never fail: a value that does not have the expected form becomes the empty string.
 */

/** Where JSON-encoded values go in a resource manifest: an unquoted plain YAML scalar position. */
export const toJsonTag = (expression: string) => `{{=toJson(${expression})}}`;

/** A workflow parameter in an expression (bracket form: works for names with `-`). */
export const parameter = (name: string) => `workflow.parameters['${name}']`;

/** An input parameter of the current template. */
export const input = (name: string) => `inputs.parameters['${name}']`;

/** The parameter if it is base64 text (standard alphabet, padded), else ''. Base64 has no `{`. */
export const base64Parameter = (name: string) => `(sprig.regexMatch('^[A-Za-z0-9+/]*=?=?$', ${parameter(name)}) ? ${parameter(name)} : '')`;

/** The expression if it is a decimal number of at most 63 digits (a valid label value), else ''. */
export const digitsOnly = (expression: string) => `(sprig.regexMatch('^[0-9]+$', ${expression}) && len(${expression}) <= 63 ? ${expression} : '')`;

/** The decoded text of a base64 parameter (sprig `b64dec`; it yields an error message, never `{`, for bad input). */
export const decoded = (name: string) => `sprig.b64dec(${parameter(name)})`;

/**
 * The expression if it matches `pattern` (a charset that cannot hold `{`, such as a GitHub owner or
 * repository name), else ''. Only checked text enters the template.
 */
export const ifMatches = (expression: string, pattern: string) => `(sprig.regexMatch('${pattern}', ${expression}) ? ${expression} : '')`;

/** GitHub repository names: letters, digits, `.`, `_`, `-`. */
export const GITHUB_REPO_PATTERN = '^[A-Za-z0-9._-]+$';
/** A repository's URL from a GitHub account name (letters, digits, inner hyphens) and a repository name. */
export const GITHUB_REPOSITORY_URL_PATTERN = '^https://github[.]com/[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+$';

/** The expression if it is one of `allowed`, else `fallback`. */
export const oneOf = (expression: string, allowed: readonly string[], fallback: string) =>
  `(${expression} in [${allowed.map((value) => `'${value}'`).join(', ')}] ? ${expression} : '${fallback}')`;
