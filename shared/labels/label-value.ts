/**
 * Label values built from event text (a branch name): one rule, documented in docs/security.md
 * ("Label values from event text") and implemented twice: here, and in POSIX sh for the
 * orchestrator-resume-close step (manifests/label-value-sh.ts). test/shared/labels/ runs both over
 * hostile inputs and asserts they agree.
 */
import { createHash } from 'node:crypto';
import { LABEL_HASH_LENGTH, LABEL_READABLE_LENGTH, LABEL_VALUE_MAX_LENGTH } from '../contract';

/** Same file: `labelValueFmt` = `(qualifiedNameFmt)?`, with qualifiedNameFmt `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_VALUE_ERROR = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/**
 * Port of `IsValidLabelValue` (k8s.io/apimachinery pkg/util/validation/validation.go@v0.34.4):
 * the errors the apiserver would report, none when the value is valid. Go's `len` counts UTF-8
 * bytes; any non-ASCII value also fails the format, so counting bytes here agrees.
 */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (Buffer.byteLength(value, 'utf8') > LABEL_VALUE_MAX_LENGTH) errors.push(`must be no more than ${LABEL_VALUE_MAX_LENGTH} characters`);
  if (!LABEL_VALUE.test(value)) errors.push(LABEL_VALUE_ERROR);
  return errors;
}


/**
 * The label value for any text (a branch name): characters outside `[A-Za-z0-9._-]` become `-`,
 * runs of `-` collapse, non-alphanumerics are trimmed from both ends, the rest is cut to 52
 * characters, and `-` plus the first 10 hex digits of sha256(UTF-8 text) is appended (the hash
 * alone when nothing readable is left). Always a valid label value; distinct texts that read alike
 * (`feature/a`, `feature-a`) keep distinct values. The exact text goes in an annotation.
 */
export function labelValueFor(text: string): string {
  const hash = createHash('sha256').update(text, 'utf8').digest('hex').slice(0, LABEL_HASH_LENGTH);
  const readable = text
    .replace(/[^A-Za-z0-9._-]/gu, '-')
    .replace(/-+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '')
    .slice(0, LABEL_READABLE_LENGTH);
  return readable === '' ? hash : `${readable}-${hash}`;
}
