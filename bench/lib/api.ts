import { startApi, type RunningApi, type StartApiOptions } from '../../test/support/api-process.js';

/**
 * The API as a child process, as the tests start it; on a machine shared with other engineers'
 * test runs, start-up can exceed the helper's 30 s, so a benchmark tries again before giving up.
 */
export async function startBenchApi(options: StartApiOptions, tries = 3): Promise<RunningApi> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startApi(options);
    } catch (error) {
      if (attempt >= tries) throw error;
      process.stderr.write(`[bench] the API did not start (${(error as Error).message.split('\n')[0]}); trying again\n`);
    }
  }
}
