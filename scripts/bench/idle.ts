/**
 * An idle Node process with the bench probe preloaded: its event-loop "delay" is pure scheduling noise of the
 * machine (other processes taking the CPU), measured in the same windows as the orchestrator's, so a loop-delay
 * figure can be read against the floor of the machine it ran on.
 */
const keepAlive = setInterval(() => undefined, 1 << 30);
const stop = (): void => {
  clearInterval(keepAlive);
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
