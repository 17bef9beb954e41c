/** An in-memory dead-letter store for tests: keeps what a function records, keyed by ID like the Secret store. */
import type { DeadLetter } from '../../shared/dead-letters/dead-letter';
import type { DeadLetterStore } from '../../shared/dead-letters/secret-store';

export class MemoryDeadLetters implements DeadLetterStore {
  readonly letters = new Map<string, DeadLetter>();
  /** Every record call, in order (a replaced dead letter appears twice). */
  readonly recorded: DeadLetter[] = [];
  /** The next `count` record calls throw (the apiserver refused or is down). */
  failures = 0;

  async record(letter: DeadLetter): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('injected dead-letter store failure');
    }
    this.recorded.push(letter);
    this.letters.set(letter.id, letter);
  }

  async list(functionName?: string): Promise<DeadLetter[]> {
    return [...this.letters.values()].filter((letter) => !functionName || letter.function === functionName).sort((a, b) => a.deadLetteredAt.localeCompare(b.deadLetteredAt) || a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    return this.letters.get(id);
  }

  async remove(id: string): Promise<boolean> {
    return this.letters.delete(id);
  }
}
