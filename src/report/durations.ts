// Times the phases of a run for the `durations` field of the result.
import { round } from './format.js';
import { quietProgress, type Progress } from './progress.js';

export class Durations {
  private readonly seconds: Record<string, number> = {};

  constructor(private readonly progress: Progress = quietProgress) {}

  add(phase: string, seconds: number): void {
    this.seconds[phase] = round((this.seconds[phase] ?? 0) + seconds);
  }

  async time<T>(phase: string, work: () => Promise<T> | T): Promise<T> {
    const start = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
    this.progress.start(phase);
    try {
      const result = await work();
      const seconds = elapsed();
      this.add(phase, seconds);
      this.progress.end(phase, seconds);
      return result;
    } catch (error) {
      // A failed phase is not "done": the watcher's finish() marks the phase still open as the one that failed.
      this.add(phase, elapsed());
      throw error;
    }
  }

  total(): number {
    return round(Object.values(this.seconds).reduce((a, b) => a + b, 0));
  }

  toJSON(): Record<string, number> {
    return { ...this.seconds };
  }
}
