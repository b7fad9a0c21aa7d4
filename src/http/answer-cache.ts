/**
 * Answers of a read route, serialized, kept while a stamp holds (services.viewStamp: nothing
 * they are built from changed). An API client polling a user gets the bytes of the last
 * answer for the cost of checking the stamp, instead of a row read, a view and a
 * serialization each time. At most `max` answers are kept, the oldest dropped first.
 *
 * The stamp is read only to use an answer kept (or to start afresh): one built now is filed
 * under the stamp last read, which is safe, as its read is newer than that stamp (were the
 * database changed in between, the next check moves the stamp and drops it). So an answer
 * not kept adds no read of the database, only its place in the map.
 */
export function createAnswerCache(stamp: () => number, max = 1024) {
  const answers = new Map<string, string>();
  let keptAt = -1;
  return {
    /** The answer kept for `key` if still current, else the one `build` makes now (then kept). */
    get(key: string, build: () => string): string {
      const kept = answers.get(key);
      if (kept !== undefined) {
        const now = stamp();
        if (now === keptAt) return kept;
        answers.clear();
        keptAt = now;
      } else if (answers.size === 0) {
        keptAt = stamp();
      }
      const built = build();
      if (answers.size >= max) answers.delete(answers.keys().next().value!);
      answers.set(key, built);
      return built;
    },
    /** How many answers are kept. */
    get size(): number {
      return answers.size;
    },
  };
}
