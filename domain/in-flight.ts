/** Runs `work` on every input with at most `inFlight` at once, in input order; results come back in that order. */
export async function eachInFlight<T, R>(inputs: readonly T[], inFlight: number, work: (input: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(inputs.length);
  let next = 0;
  const lane = async () => {
    while (next < inputs.length) {
      const i = next++;
      results[i] = await work(inputs[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, inputs.length) }, lane));
  return results;
}
