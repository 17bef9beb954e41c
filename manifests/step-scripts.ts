/**
 * The shell steps of the platform WorkflowTemplates. Each script is a constant: it contains no Argo
 * placeholder, reads event text only from `*_B64` environment variables (base64 of the UTF-8 text,
 * set by the platform Sensors), decodes it at run time and uses it quoted, with `--` before
 * positional values. See docs/security.md ("Untrusted text").
 */
import { LABEL_HASH_LENGTH, LABEL_READABLE_LENGTH } from '../shared/contract';

/** `refuse <message>`: says why on stderr and ends the step with status 2. */
const REFUSE_SH = `refuse() { printf 'refused: %s\\n' "$1" >&2; exit 2; }`;

/**
 * `b64decode <base64>` prints the decoded text followed by `x`, so that `v=$(b64decode …)` keeps
 * trailing newlines (strip the `x` with \${v%x}); non-zero when the text is not base64.
 */
const DECODE_SH = `b64decode() { printf '%s' "$1" | base64 -d && printf x; }`;

/** `digits_or_empty <text>`: the text if it is a decimal number, else nothing (PR and issue numbers). */
const DIGITS_SH = `digits_or_empty() { case $1 in ''|*[!0-9]*) ;; *) printf '%s' "$1" ;; esac; }`;

/**
 * `label_value_for <text>`: shared/labels/label-value.ts `labelValueFor` in POSIX sh and coreutils
 * (tr, sed, cut, sha256sum), byte-wise in the C locale. Multibyte characters become several `-`,
 * which the collapse step merges, so the result equals the TypeScript one for any UTF-8 text.
 */
export const LABEL_VALUE_SH = [
  'label_value_for() {',
  `  label_hash=$(printf '%s' "$1" | sha256sum | cut -c1-${LABEL_HASH_LENGTH})`,
  `  label_readable=$(printf '%s' "$1" | LC_ALL=C tr -c 'A-Za-z0-9._-' '-' | LC_ALL=C sed -e 's/--*/-/g' -e 's/^[^A-Za-z0-9]*//' -e 's/[^A-Za-z0-9]*$//' | cut -c1-${LABEL_READABLE_LENGTH})`,
  `  if [ -z "$label_readable" ]; then printf '%s' "$label_hash"; else printf '%s-%s' "$label_readable" "$label_hash"; fi`,
  '}',
].join('\n');

/** Decodes `$<NAME>_B64` into the shell variable `name`, keeping the exact text. */
const decodeInto = (variable: string, env: string) =>
  [`${variable}=$(b64decode "$${env}") || refuse '${env} is not base64'`, `${variable}=\${${variable}%x}`];

/**
 * GitHub's account and repository name rules, then the play workflows' `repository` label
 * (`<owner>-<repo>` in lower case, as shared/correlation/select-workflow.ts compares it), which
 * must itself be a valid label value.
 */
const REPOSITORY_SH = [
  `case $owner in ''|-*|*-|*[!A-Za-z0-9-]*) refuse 'the owner is not a GitHub account name (letters, digits, inner hyphens)' ;; esac`,
  `[ \${#owner} -le 39 ] || refuse 'the owner is longer than 39 characters'`,
  `case $repo in ''|*[!A-Za-z0-9._-]*) refuse 'the repository is not a GitHub repository name (letters, digits, . _ -)' ;; esac`,
  `[ \${#repo} -le 100 ] || refuse 'the repository name is longer than 100 characters'`,
  `repository=$(printf '%s-%s' "$owner" "$repo" | LC_ALL=C tr 'A-Z' 'a-z')`,
  `case $repository in *[!a-z0-9]) refuse 'the repository label <owner>-<repo> must end with a letter or digit' ;; esac`,
  `[ \${#repository} -le 63 ] || refuse 'the repository label <owner>-<repo> is longer than 63 characters'`,
];

/** pr-validation: finds the task number in the PR's head branch. */
export const PR_VALIDATION_SCRIPT = [
  'set -eu',
  'export LC_ALL=C',
  REFUSE_SH,
  DECODE_SH,
  DIGITS_SH,
  ...decodeInto('owner', 'OWNER_B64'),
  ...decodeInto('repo', 'REPO_B64'),
  ...decodeInto('branch', 'BRANCH_B64'),
  'pr=$(digits_or_empty "$PR_NUMBER")',
  `printf 'validating %s/%s#%s on branch %s\\n' "$owner" "$repo" "$pr" "$branch"`,
  // One line only: sed works line by line, and a branch never holds a control character.
  `[ "$(printf '%s' "$branch" | tr -d '[:cntrl:]'; printf x)" = "\${branch}x" ] || refuse 'the branch contains control characters'`,
  `task=$(printf '%s' "$branch" | sed -nE 's#(^|.*/)task-([0-9]+)(-.*)?$#\\2#p')`,
  `if [ -z "$task" ]; then echo 'branch does not name a task: expected task-<N>-… or …/task-<N>-…' >&2; exit 1; fi`,
  `printf 'task %s\\n' "$task"`,
].join('\n');

export const MERGED_BRANCH_KEY = 'handoff.dev/merged-branch';

/**
 * orchestrator-resume-close: marks the repository's play workflows with the merged branch, as a
 * label (labelValueFor, for selection) and as an annotation (the exact text).
 */
export const ORCHESTRATOR_RESUME_CLOSE_SCRIPT = [
  'set -eu',
  'export LC_ALL=C',
  REFUSE_SH,
  DECODE_SH,
  DIGITS_SH,
  LABEL_VALUE_SH,
  ...decodeInto('owner', 'OWNER_B64'),
  ...decodeInto('repo', 'REPO_B64'),
  ...decodeInto('branch', 'BRANCH_B64'),
  'pr=$(digits_or_empty "$PR_NUMBER")',
  ...REPOSITORY_SH,
  'label=$(label_value_for "$branch")',
  `printf 'merged into %s/%s: branch %s (label %s) pr %s\\n' "$owner" "$repo" "$branch" "$label" "$pr"`,
  'selector="workflow-type=play-orchestration,repository=$repository"',
  `kubectl label workflows --overwrite -l "$selector" -- "${MERGED_BRANCH_KEY}=$label"`,
  `kubectl annotate workflows --overwrite -l "$selector" -- "${MERGED_BRANCH_KEY}=$branch"`,
].join('\n');
